import sys

from counting.screens.app import main

sys.exit(main())
