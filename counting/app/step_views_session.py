"""The first steps of the evening in the manager's window: open the session, receive the
media, import and reconcile, and the decisions the problems need (each after hearing named
witnesses). Each view is built from the evening's state and hands actions back to the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counting.app.strings import one, say
from counting.app.widgets import (
    GOOD,
    PROBLEM,
    TOUCH_PX,
    button,
    column,
    kept,
    kept_toggle,
    marked,
    text,
)
from counting.importer import STATUS_JA, STATUS_REJECTED
from counting.session import SessionError
from election.package import short_fingerprint
from media.counting_key import fingerprint as counting_key_fingerprint


def heading(w: Any, key: str) -> Any:
    return text(say(key, w.lang), size=26)


def open_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(heading(w, "step.open"))
    files = w.memory.get("files", {})
    if e.session is not None:
        _, newest = e.newest()
        box.add_widget(text(f"{say('opened', w.lang)}: {e.manager}"))
        box.add_widget(text(f"{say('package', w.lang)}: {newest.package.title} "
                            f"v{newest.package.version} {newest.short_fingerprint}"))
        key = counting_key_fingerprint(newest.package.counting_public_key)
        box.add_widget(text(f"{say('key_fp', w.lang)}: {short_fingerprint(key)}"))
        box.add_widget(text(f"{say('witnesses', w.lang)}: {'、'.join(e.witnesses)}"))
        box.add_widget(text(f"{say('media_folder', w.lang)}: {e.media_folder().name}"))
        return box
    for label, value in (("package", " ".join(Path(p).name for p in files.get("packages", []))),
                         ("media_folder", Path(files.get("media", "")).name)):
        box.add_widget(text(f"{say(label, w.lang)}: {value}"))
    box.add_widget(text(say("manager", w.lang)))
    manager = kept(w.memory, "manager")
    box.add_widget(manager)
    box.add_widget(text(say("witnesses", w.lang)))
    witnesses = kept(w.memory, "witnesses", lines=3)
    box.add_widget(witnesses)
    w.memory["fields"] = {"manager": manager, "witnesses": witnesses}

    def opened() -> None:
        if not files.get("commission_pub") or not files.get("packages"):
            raise SessionError("--commission-pub と --package を指定して起動してください / start "
                               "the app with --commission-pub and --package")
        e.open(Path(files["commission_pub"]), [Path(p) for p in files["packages"]],
               Path(files["media"]), manager.text, witnesses.text.splitlines())

    box.add_widget(button(say("open", w.lang), lambda: w.act(opened, then="receive")))
    return box


def receive_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(heading(w, "step.receive"))
    box.add_widget(text(say("insert", w.lang)))
    if not e.received:
        box.add_widget(text(say("none_yet", w.lang)))
    for got in e.received:
        box.add_widget(marked(got.ok, got.name, got.verdict))
    box.add_widget(button(say("step.import", w.lang), lambda: w.go("import")))
    return box


def import_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(heading(w, "step.import"))
    box.add_widget(text(say("issued", w.lang)))
    remembered = e.session.settings.get("issued") if e.session is not None else None
    issued = kept(w.memory, "issued")
    if remembered:  # the report is part of the session now: its name, not a path to retype
        box.add_widget(text(f"・{Path(remembered).name}"))
    else:
        box.add_widget(issued)
    w.memory["fields"] = {"issued": issued}

    def start() -> None:
        e.start_import(Path(issued.text.strip()) if issued.text.strip() else None)

    box.add_widget(button(say("start_import", w.lang), lambda: w.act(start),
                          disabled=e.busy))
    if e.imported is not None and not e.busy:
        for f in e.imported.findings:
            ok = f.status in ("counted", "not-used", "same-medium")
            records = " ".join(f"{c} {n:,}" for c, n in f.records)
            status = STATUS_JA.get(f.status, f.status)
            detail = f"[{status} / {f.status}] {records}" + (
                f" {f.message}" if f.status == STATUS_REJECTED or not ok else "")
            box.add_widget(marked(ok, f.path.name, detail))
        for note in e.imported.notes:
            box.add_widget(text(f"注 / note: {note}"))
        decided = e.need().decisions.reconciled()
        for place, name, issued_n, accounted in e.reconciled:
            balanced = issued_n == accounted
            note = "" if balanced or place not in decided else "  決定済 / decided"
            box.add_widget(marked(balanced, f"{place} {name}",
                                  f"{issued_n:,} = {accounted:,}{note}"))
        blocking = e.blocking()
        box.add_widget(text(say("cannot_count" if blocking else "may_count", w.lang),
                            colour=PROBLEM if blocking else GOOD, size=24))
        for reason in blocking:
            box.add_widget(text(f"・{reason}", colour=PROBLEM))
        if e.questions:
            box.add_widget(button(say("step.decide", w.lang), lambda: w.go("decide")))
        elif not blocking:
            box.add_widget(button(say("step.count", w.lang), lambda: w.go("count")))
    return box


def decide_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(heading(w, "step.decide"))
    if not e.questions:
        box.add_widget(text(say("no_questions", w.lang)))
        return box
    question = e.questions[0]
    box.add_widget(text(f"{say('q.' + question.kind, w.lang)}: {question.subject}", size=24))
    box.add_widget(text(question.message))
    box.add_widget(text(say("reason", w.lang)))
    reason = kept(w.memory, f"reason:{question.kind}:{question.subject}", lines=2)
    box.add_widget(reason)
    box.add_widget(text(say("heard", w.lang)))
    heard = []
    names = column()
    for name in e.witnesses:
        heard.append(kept_toggle(w.memory, f"heard:{question.kind}:{question.subject}:{name}",
                                 name))
        names.add_widget(heard[-1])
    box.add_widget(names)
    w.memory["fields"] = {"reason": reason, "heard": heard}

    def decided() -> None:
        e.decide(question, reason.text, [t.text for t in heard if t.state == "down"])
        e.start_import()  # the decision applies from the next import on

    box.add_widget(button(say("record", w.lang), lambda: w.act(
        decided, done=f"{one('record', w.lang)}: {question.subject}", then="import")))
    if len(e.questions) > 1:
        more = len(e.questions) - 1
        box.add_widget(text(f"ほか {more} 件 / {more} more", size=22))
    box.height = max(box.height, TOUCH_PX)
    return box
