"""What ``make demo`` leaves for an observer who wants to repeat its count without this tool
(docs/counting-keys.md §9): the commission's public key, every package version, and the
simulated key holders' cards as files — with the media already in ``out/demo/media``. Every
file is the demo's only: a real election's key holders' shares never leave their cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from election.package import SignedPackage
from media.counting_key import fingerprint
from media.public_key_file import encode_public_key_file

WARNING = ("DEMO ONLY — 模擬選挙専用。鍵保管者カードのファイルは分割片をそのまま含みます。実際の選挙では"
           "分割片はカードの外に出ません / demo only: the card files hold the shares in the clear; "
           "in a real election a share never leaves its card")


@dataclass(frozen=True)
class ObserverFiles:
    """Where the files were written, for the narration and the tests."""

    directory: Path
    commission_key: Path
    packages: tuple[Path, ...]
    cards: tuple[Path, ...]
    readme: Path


def write_observer_files(
    directory: Path,
    commission_public_key: bytes,
    versions: Sequence[SignedPackage],
    cards: Sequence[tuple[SimulatedKeyHolderCard, str]],
    threshold: int,
    media: Path,
) -> ObserverFiles:
    """``cards`` are the simulated key holders' cards with their demo PINs, in holder order."""
    directory.mkdir(parents=True, exist_ok=True)
    commission = directory / "commission.pub"
    commission.write_bytes(encode_public_key_file(commission_public_key))
    packages = []
    for signed in sorted(versions, key=lambda v: v.package.version):
        path = directory / f"package-v{signed.package.version}.json"
        path.write_bytes(signed.to_bytes())
        packages.append(path)
    card_dir = directory / "keyholder-cards"
    card_dir.mkdir(exist_ok=True)
    card_paths = []
    for number, (card, _) in enumerate(cards, start=1):
        path = card_dir / f"demo-holder-{number}.card.json"
        card.save(path)
        card_paths.append(path)
    newest = max(versions, key=lambda v: v.package.version)
    lines = [
        WARNING,
        "",
        "開票を独立に再現するためのファイル / files to repeat the count independently",
        "(docs/media-format.md §13, docs/counting-keys.md §8-§9)",
        "",
        "commission.pub      選挙管理委員会の公開鍵 / the commission's public key "
        "(docs/media-format.md §4.7: 64 lowercase hex digits and one line feed)",
        *[f"{p.name:<19} 選挙データ第{v.package.version}版 / package version {v.package.version}, "
          f"fingerprint {v.fingerprint} (§4)"
          for p, v in zip(packages, sorted(versions, key=lambda v: v.package.version),
                          strict=True)],
        f"keyholder-cards/    模擬鍵保管者カード {len(card_paths)} 枚、うち {threshold} 枚で開票鍵を復元 / "
        f"{len(card_paths)} simulated key-holder cards, any {threshold} rebuild the counting key "
        "(docs/counting-keys.md §8: JSON, the share packed as SLIP-0039 words)",
        f"{str(media) + '/':<19} 記録媒体（正本・副本） / the vote media, primary and copy (§8)",
        "",
        f"開票鍵の指紋 / counting key fingerprint: "
        f"{fingerprint(newest.package.counting_public_key)}",
        "模擬カードの暗証番号（デモ専用） / the simulated cards' PINs (demo only):",
        *[f"  {p.name}: {card.holder_label} PIN {pin}"
          for p, (card, pin) in zip(card_paths, cards, strict=True)],
        "",
        "このツールで数える / with this tool:",
        f"  python -m counting import --session S --commission-pub {commission} "
        + " ".join(f"--package {p}" for p in packages)
        + "".join(f" --media {m}" for m in sorted(media.iterdir())),
        "  python -m counting count --session S " + " ".join(
            f"--card {p}" for p in card_paths[:threshold]) + "   (PIN を入力 / type the PINs)",
        "",
    ]
    readme = directory / "README.txt"
    readme.write_text("\n".join(lines), encoding="utf-8")
    return ObserverFiles(directory, commission, tuple(packages), tuple(card_paths), readme)
