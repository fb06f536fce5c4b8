"""The two command-line tools as officials run them, in subprocesses on temporary folders:
``python -m election`` (the commission) and ``python -m counting`` (the counting centre)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from counting.ceremony import counting_key_fingerprint
from election.package import (
    CandidateStatus,
    SignedPackage,
    load_package,
    short_fingerprint,
    verify_chain,
)
from election.signature import private_to_hex
from media.demo_key import BANNER, write_demo_private_key
from tests.station import (
    COMMISSION_KEY,
    COMMISSION_PUB,
    COUNTING_PRIVATE,
    COUNTING_PUBLIC,
    SOURCE,
    fixed_key,
    issuer_key,
)
from tests.test_counting import Day, expected_counts, run_small_day

ROOT = Path(__file__).resolve().parent.parent
MACHINE_IDS = ("M-001", "M-002", "M-003")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """A refusal: non-zero exit, no traceback, a bilingual message naming the problem."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "エラー / error" in result.stderr or "counting cannot start" in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# --- the commission's tool --------------------------------------------------------------------


@dataclass
class Commission:
    keydir: Path
    v1: Path
    v2: Path
    build_stdout: str


@pytest.fixture(scope="module")
def commission(tmp_path_factory: pytest.TempPathFactory) -> Commission:
    root = tmp_path_factory.mktemp("commission")
    keydir = root / "keys"
    assert run("election", "keygen", keydir).returncode == 0
    assert run("election", "counting-keygen", keydir).returncode == 0
    for issuer in ("R-p01", "R-p02"):
        assert run("election", "issuer-keygen", keydir, issuer).returncode == 0
    (keydir / "machines").mkdir()
    for machine_id in MACHINE_IDS:
        public = fixed_key(f"machine:{machine_id}").public_key().public_bytes_raw()
        (keydir / "machines" / f"{machine_id}.pub").write_text(public.hex() + "\n")
    built = run("election", "build", SOURCE, keydir, root / "package-v1.json")
    assert built.returncode == 0, built.stderr
    amended = run("election", "amend", root / "package-v1.json", keydir, root / "package-v2.json",
                  "--status", "mayor:mayor-3=deceased", "--status", "assembly:assembly-5=withdrawn")
    assert amended.returncode == 0, amended.stderr
    return Commission(keydir, root / "package-v1.json", root / "package-v2.json", built.stdout)


def commission_pub(commission: Commission) -> bytes:
    return bytes.fromhex((commission.keydir / "commission.pub").read_text())


def test_keygen_writes_key_files(commission: Commission) -> None:
    keydir = commission.keydir
    assert len(bytes.fromhex((keydir / "commission.key").read_text())) == 32
    assert len(commission_pub(commission)) == 32
    assert (keydir / "commission.key").stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex((keydir / "counting.pub").read_text())) == 1184 + 32
    demo = keydir / "counting-private.DEMO-ONLY.key"
    assert demo.read_text().startswith(BANNER) and demo.stat().st_mode & 0o777 == 0o600
    for issuer in ("R-p01", "R-p02"):
        assert len(bytes.fromhex((keydir / "issuers" / f"{issuer}.pub").read_text())) == 32
        assert (keydir / "issuers" / f"{issuer}.key").stat().st_mode & 0o777 == 0o600


def test_keygen_makes_new_keys_each_time(tmp_path: Path) -> None:
    run("election", "keygen", tmp_path / "a")
    run("election", "keygen", tmp_path / "b")
    assert (tmp_path / "a" / "commission.pub").read_text() != (
        tmp_path / "b" / "commission.pub").read_text()


def test_build_signs_a_package_with_every_key(commission: Commission) -> None:
    signed = load_package(commission.v1.read_bytes(), commission_pub(commission))
    package = signed.package
    assert signed.short_fingerprint in commission.build_stdout
    assert package.version == 1 and package.election_id == "tsukuba-2026-11"
    assert package.counting_public_key == bytes.fromhex(
        (commission.keydir / "counting.pub").read_text())
    for machine_id in MACHINE_IDS:
        assert package.machine(machine_id).public_key == fixed_key(
            f"machine:{machine_id}").public_key().public_bytes_raw()
    assert package.issuer("R-p02").public_key == bytes.fromhex(
        (commission.keydir / "issuers" / "R-p02.pub").read_text())
    assert all(k.status is CandidateStatus.STANDING for c in package.contests
               for k in c.candidates)


def test_fingerprint_command_verifies_and_prints(commission: Commission) -> None:
    signed = load_package(commission.v1.read_bytes(), commission_pub(commission))
    result = run("election", "fingerprint", commission.v1, commission.keydir)
    assert result.returncode == 0, result.stderr
    assert "version 1" in result.stdout
    assert f"指紋 / fingerprint: {signed.short_fingerprint}" in result.stdout
    assert f"SHA-256: {signed.fingerprint}" in result.stdout
    # and the counting key it seals votes to, exactly as the key ceremony printed it
    ceremony = counting_key_fingerprint(bytes.fromhex(
        (commission.keydir / "counting.pub").read_text()))
    assert f"counting key fingerprint: {short_fingerprint(ceremony)}" in result.stdout
    assert f"counting key SHA-256: {ceremony}" in result.stdout
    assert f"counting key fingerprint: {short_fingerprint(ceremony)}" in commission.build_stdout


def test_amend_command_makes_version_two(commission: Commission) -> None:
    pub = commission_pub(commission)
    v1 = load_package(commission.v1.read_bytes(), pub)
    v2 = load_package(commission.v2.read_bytes(), pub)
    assert verify_chain([v1, v2]) == v2
    assert v2.package.previous_fingerprint == v1.fingerprint
    assert v2.package.contest("mayor").candidate("mayor-3").status is CandidateStatus.DECEASED
    assert v2.package.contest("assembly").candidate("assembly-5").status is (
        CandidateStatus.WITHDRAWN)
    result = run("election", "fingerprint", commission.v2, commission.keydir)
    assert result.returncode == 0 and "version 2" in result.stdout


def test_fingerprint_of_a_corrupt_package_is_refused(commission: Commission, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_bytes(commission.v1.read_bytes()[:-10])
    refused(run("election", "fingerprint", corrupt, commission.keydir), "選挙データが壊れています",
            "corrupt")


def test_fingerprint_with_another_commission_key_is_refused(
    commission: Commission, tmp_path: Path
) -> None:
    run("election", "keygen", tmp_path / "other")
    refused(run("election", "fingerprint", commission.v1, tmp_path / "other"),
            "not signed by the election commission")


@pytest.mark.parametrize(
    "status, words",
    [("mayor:mayor-9=deceased", ["unknown candidate"]),
     ("mayor:mayor-1=resigned", ["resigned"]),
     ("governor:x=withdrawn", ["unknown candidate"])],
)
def test_bad_amendment_is_refused_and_writes_nothing(
    commission: Commission, tmp_path: Path, status: str, words: list[str]
) -> None:
    out = tmp_path / "v2.json"
    refused(run("election", "amend", commission.v1, commission.keydir, out, "--status", status),
            *words)
    assert not out.exists()


def test_build_without_a_machine_key_is_refused(commission: Commission, tmp_path: Path) -> None:
    keydir = tmp_path / "keys"
    shutil.copytree(commission.keydir, keydir)
    (keydir / "machines" / "M-002.pub").unlink()
    out = tmp_path / "package.json"
    refused(run("election", "build", SOURCE, keydir, out), "M-002", "missing machine public key")
    assert not out.exists()


def test_build_of_a_broken_source_is_refused(commission: Commission, tmp_path: Path) -> None:
    source = tmp_path / "bad.toml"
    source.write_text(SOURCE.read_text(encoding="utf-8").replace(
        'election_day = "2026-11-29"', 'election_day = "2027-01-01"'), encoding="utf-8")
    out = tmp_path / "package.json"
    refused(run("election", "build", source, commission.keydir, out), "outside the validity")
    assert not out.exists()
    source.write_text("election_id = [", encoding="utf-8")
    refused(run("election", "build", source, commission.keydir, out), "cannot read the election")


def test_missing_key_folder_is_refused(tmp_path: Path) -> None:
    refused(run("election", "fingerprint", tmp_path / "none.json", tmp_path / "nokeys"))


# --- the counting tool ------------------------------------------------------------------------


@dataclass
class CountingSetup:
    day: Day
    keydir: Path
    v1: Path
    v2: Path
    key: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> CountingSetup:
    """A day whose package was built by ``python -m election build`` from the seeded machines'
    keys, with the test station's fixed commission, reception and counting keys."""
    root = tmp_path_factory.mktemp("counting")
    keydir = root / "keys"
    (keydir / "machines").mkdir(parents=True)
    (keydir / "issuers").mkdir()
    (keydir / "commission.key").write_text(private_to_hex(COMMISSION_KEY) + "\n")
    (keydir / "commission.pub").write_text(COMMISSION_PUB.hex() + "\n")
    (keydir / "counting.pub").write_text(COUNTING_PUBLIC.hex() + "\n")
    for issuer in ("R-p01", "R-p02"):
        public = issuer_key(issuer).public_key().public_bytes_raw()
        (keydir / "issuers" / f"{issuer}.pub").write_text(public.hex() + "\n")
    v1 = root / "package-v1.json"

    def build(machine_keys: dict[str, bytes]) -> SignedPackage:
        for machine_id, public in machine_keys.items():
            (keydir / "machines" / f"{machine_id}.pub").write_text(public.hex() + "\n")
        result = run("election", "build", SOURCE, keydir, v1)
        assert result.returncode == 0, result.stderr
        return load_package(v1.read_bytes(), COMMISSION_PUB)

    day = run_small_day(root / "day", build=build)
    v2 = root / "package-v2.json"
    amended = run("election", "amend", v1, keydir, v2, "--status", "mayor:mayor-3=deceased")
    assert amended.returncode == 0, amended.stderr
    key = root / "counting-private.DEMO-ONLY.key"
    key.write_text(write_demo_private_key(COUNTING_PRIVATE))
    return CountingSetup(day, keydir, v1, v2, key)


def count(setup: CountingSetup, out: Path, *extra: str | Path,
          packages: tuple[Path, ...] | None = None,
          media: tuple[Path, ...] | None = None) -> subprocess.CompletedProcess[str]:
    args: list[str | Path] = ["counting", "--commission-pub", setup.keydir / "commission.pub",
                              "--demo-private-key", setup.key, "--out", out]
    for package in packages or (setup.v1,):
        args += ["--package", package]
    for folder in media or (setup.day.root / "media",):
        args += ["--media", folder]
    return run(*args, *extra)


def votes_in(result_json: Path) -> dict[str, Counter[str]]:
    data = json.loads(result_json.read_text(encoding="utf-8"))
    out = {}
    for contest in data["contests"]:
        counts = Counter({c["candidate_id"]: c["votes"] for c in contest["candidates"]})
        counts.update({"blank": contest["blank"], "invalid": contest["invalid_non_candidate"],
                       "unreadable": contest["unreadable"]})
        out[contest["contest_id"]] = +counts
    return out


def test_counting_tool_counts_the_day(setup: CountingSetup, tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = count(setup, out)
    assert result.returncode == 0, result.stderr
    assert votes_in(out / "result.json") == expected_counts(setup.day)
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["format"] == "tohyoki-result/1"
    assert data["package_fingerprint"] == load_package(setup.v1.read_bytes(),
                                                       COMMISSION_PUB).fingerprint
    assert [(m["machine_id"], m["role"]) for m in data["machines"]] == [
        ("M-001", "primary"), ("M-002", "primary"), ("M-003", "primary")]
    rows = list(csv.reader(io.StringIO((out / "result.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["contest_id", "選挙", "row", "氏名", "党派", "status", "votes"]
    by_row = {(r[0], r[2]): int(r[6]) for r in rows[1:]}
    assert by_row[("mayor", "mayor-1")] == 3 and by_row[("mayor", "total")] == 8
    assert by_row[("assembly", "blank")] == 1 and by_row[("assembly", "total")] == 6
    text = (out / "result.txt").read_text(encoding="utf-8")
    assert text == result.stdout and "開票結果" in text and "筑波 太郎" in text


def test_counting_tool_applies_the_amendment(setup: CountingSetup, tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = count(setup, out, packages=(setup.v2, setup.v1))
    assert result.returncode == 0, result.stderr
    assert votes_in(out / "result.json") == expected_counts(setup.day, frozenset({"mayor-3"}))
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["package_version"] == 2
    assert "（死亡・無効）" in result.stdout


def test_counting_tool_one_medium_folder(setup: CountingSetup, tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = count(setup, out, media=(setup.day.medium("M-002"),))
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert [m["machine_id"] for m in data["machines"]] == ["M-002"]
    assert sum("no medium" in n for n in data["notes"]) == 2


def _only_copy_of_m001(setup: CountingSetup, tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    for name in ("M-001-copy", "M-002-primary", "M-003-primary"):
        shutil.copytree(setup.day.root / "media" / name, folder / name)
    return folder


def test_counting_tool_copy_needs_a_decision(setup: CountingSetup, tmp_path: Path) -> None:
    folder = _only_copy_of_m001(setup, tmp_path)
    out = tmp_path / "result"
    refused(count(setup, out, media=(folder,)), "counting cannot start", "art. 10")
    assert not out.exists()
    result = count(setup, out, "--use-copy", "M-001=正本破損のため", media=(folder,))
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    [m001] = [m for m in data["machines"] if m["machine_id"] == "M-001"]
    assert m001["role"] == "copy" and "正本破損のため" in m001["note"]
    assert votes_in(out / "result.json") == expected_counts(setup.day)


def test_counting_refuses_a_corrupt_package(setup: CountingSetup, tmp_path: Path) -> None:
    corrupt = tmp_path / "package.json"
    corrupt.write_bytes(setup.v1.read_bytes().replace(b'"version":1', b'"version": 1'))
    out = tmp_path / "result"
    refused(count(setup, out, packages=(corrupt,)), "corrupt")
    assert not out.exists()


def test_counting_refuses_the_wrong_commission_key(setup: CountingSetup, tmp_path: Path) -> None:
    other = tmp_path / "other.pub"
    other.write_text(fixed_key("someone").public_key().public_bytes_raw().hex())
    out = tmp_path / "result"
    result = run("counting", "--commission-pub", other, "--package", setup.v1,
                 "--media", setup.day.root / "media", "--demo-private-key", setup.key,
                 "--out", out)
    refused(result, "not signed by the election commission")
    assert not out.exists()


def test_counting_refuses_a_broken_amendment_chain(setup: CountingSetup, tmp_path: Path) -> None:
    out = tmp_path / "result"
    refused(count(setup, out, packages=(setup.v2,)), "version 1 is missing")
    assert not out.exists()


def test_counting_refuses_a_folder_with_a_foreign_medium(
    setup: CountingSetup, tmp_path: Path
) -> None:
    other = run_small_day(tmp_path / "other", {"M-003": [{"mayor": "mayor-1"}]},
                          election_id="mito-2026-11")
    folder = tmp_path / "media"
    shutil.copytree(setup.day.root / "media", folder)
    shutil.copytree(other.medium("M-003"), folder / "zz-found-in-the-box")
    out = tmp_path / "result"
    refused(count(setup, out, media=(folder,)), "counting cannot start", "zz-found-in-the-box",
            "別の選挙")
    assert not out.exists()


def test_counting_refuses_a_tampered_medium(setup: CountingSetup, tmp_path: Path) -> None:
    folder = tmp_path / "media"
    shutil.copytree(setup.day.root / "media", folder)
    table = folder / "M-002-copy" / "TOHYOKI" / "VOTES.SLT"
    table.write_bytes(_drop_first_record(table.read_bytes()))
    out = tmp_path / "result"
    refused(count(setup, out, media=(folder,)), "M-002-copy", "removed after sealing")
    assert not out.exists()


def _drop_first_record(table: bytes) -> bytes:
    index = next(i for i in range(0, len(table), 1280) if table[i : i + 4] == b"TVR1")
    return table[:index] + bytes(1280) + table[index + 1280 :]


@pytest.mark.parametrize("problem", ["missing-folder", "empty-folder", "bad-use-copy", "bad-key"])
def test_counting_refuses_bad_arguments_cleanly(
    setup: CountingSetup, tmp_path: Path, problem: str
) -> None:
    out = tmp_path / "result"
    empty = tmp_path / "empty"
    empty.mkdir()
    if problem == "missing-folder":
        result = count(setup, out, media=(tmp_path / "no-such-folder",))
        words = ["no-such-folder"]
    elif problem == "empty-folder":
        result = count(setup, out, media=(empty,))
        words = ["no vote medium"]
    elif problem == "bad-use-copy":
        result = count(setup, out, "--use-copy", "M-001")
        words = ["MACHINE=REASON"]
    else:
        bad_key = tmp_path / "key"
        bad_key.write_text(COUNTING_PRIVATE.hex())
        result = run("counting", "--commission-pub", setup.keydir / "commission.pub",
                     "--package", setup.v1, "--media", setup.day.root / "media",
                     "--demo-private-key", bad_key, "--out", out)
        words = ["not a demo key file"]
    refused(result, *words)
    assert not out.exists()
