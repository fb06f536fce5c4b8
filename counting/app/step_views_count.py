"""The later steps in the manager's window: the key holders called in turn to the reader (their
PINs typed into a field that draws nothing), the count's progress, the paper ballots entered
twice by two officers and compared, and the result with the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counting.app.key_holders import SimulatedCards
from counting.app.strings import one, say
from counting.app.widgets import (
    GOOD,
    PROBLEM,
    button,
    column,
    field,
    kept,
    kept_toggle,
    marked,
    row,
    text,
)
from counting.paper import PaperEntry, PaperError, PaperKind, merge_paper
from counting.session import SessionError


def count_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(text(say("step.count", w.lang), size=26))
    call = e.holder_call
    counting = e.progress.step == "count" and e.progress.running
    if not counting:
        blocking = e.blocking()
        for reason in blocking:
            box.add_widget(text(f"・{reason}", colour=PROBLEM))
        default = str(len(e.cards.paths)) if isinstance(e.cards, SimulatedCards) else "2"
        box.add_widget(text(say("holders", w.lang)))
        w.memory.setdefault("holders", default)
        holders = kept(w.memory, "holders", digits=True)
        box.add_widget(holders)
        w.memory["fields"] = {"holders": holders}

        def start() -> None:
            e.start_count(int(holders.text or 0))

        box.add_widget(button(say("call", w.lang), lambda: w.act(start), disabled=e.busy))
    else:
        box.add_widget(text(f"{one('holders', w.lang)}: {len(call.read)} / {call.count}",
                            size=24))
        if call.awaiting_pin:
            box.add_widget(text(f"{call.label}（{call.index + 1} / {call.count}）", size=26))
            box.add_widget(text(say("insert_card", w.lang)))
            box.add_widget(text(say("pin", w.lang)))
            pin = field(hidden=True)
            box.add_widget(pin)
            w.memory["fields"] = {"pin": pin}

            def entered(*_: Any) -> None:
                typed, pin.text = pin.text, ""
                e.submit_pin(typed)

            pin.bind(on_text_validate=entered)
            box.add_widget(row(button(say("ok", w.lang), entered),
                               button(say("withdraw", w.lang), lambda: e.submit_pin(None))))
        elif len(call.read) < call.count:
            box.add_widget(text(say("wait", w.lang)))
        else:
            box.add_widget(text(say("counting", w.lang), size=26))
    for holder in call.read:
        box.add_widget(marked(True, holder, say("read", w.lang)))
    return box


def _entry_fields(w: Any, box: Any, stage: str) -> dict[str, dict[str, Any]]:
    _, newest = w.evening.newest()
    grid: dict[str, dict[str, Any]] = {}
    for contest in newest.package.contests:
        box.add_widget(text(f"{contest.title} / {contest.title_en}", size=22))
        fields: dict[str, Any] = {}
        rows = [(c.candidate_id, f"{c.name}（{c.party}）") for c in contest.candidates]
        rows += [("blank", say("blank", w.lang)), ("invalid", say("invalid", w.lang)),
                 ("ballots", say("ballots", w.lang))]
        for key, label in rows:
            fields[key] = kept(w.memory, f"paper:{stage}:{contest.contest_id}:{key}",
                               digits=True, size_hint_x=0.3)
            box.add_widget(row(text(label), fields[key]))
        grid[contest.contest_id] = fields
    return grid


def _entry_of(officer: str, grid: dict[str, dict[str, Any]]) -> PaperEntry:
    counts = {contest_id: {k: int(f.text or 0) for k, f in fields.items()}
              for contest_id, fields in grid.items()
              if any(f.text.strip() for f in fields.values())}
    return PaperEntry.of(officer, counts)


def _forget_paper(w: Any, agreed: str) -> None:
    """The batch is recorded: the next one starts from empty fields."""
    for key in [k for k in w.memory if k.startswith("paper:")]:
        del w.memory[key]
    w.memory["paper"] = {"stage": "first", "agreed": agreed}


def paper_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(text(say("step.paper", w.lang), size=26))
    state = w.memory.setdefault("paper", {"stage": "first"})
    stage = state["stage"]
    batch = kept(w.memory, "paper:batch")
    kinds = [kept_toggle(w.memory, f"paper:kind:{k.value}", say(f"kind.{k.value}", w.lang),
                         k is PaperKind.ABSENTEE, group="paper-kind") for k in PaperKind]
    if stage == "first":
        box.add_widget(row(text(say("batch", w.lang)), batch))
        box.add_widget(row(*kinds))
    else:
        box.add_widget(text(f"{say('batch', w.lang)}: {state['batch']}  "
                            f"{say('kind.' + state['kind'], w.lang)}"))
    for line in state.get("differences", []):
        box.add_widget(text(f"× {line}", colour=PROBLEM))
    if stage == "recount":
        box.add_widget(text(say("differ", w.lang), colour=PROBLEM))
    box.add_widget(text(f"{say('entry_of', w.lang)}: "
                        f"{ {'first': '1', 'second': '2', 'recount': '数え直し / recount'}[stage]}"))
    officer = kept(w.memory, f"paper:{stage}:officer")
    if stage != "recount":
        box.add_widget(row(text(say("officer", w.lang)), officer))
    grid = _entry_fields(w, box, stage)
    fields: dict[str, Any] = {"batch": batch, "officer": officer, "grid": grid}
    w.memory["fields"] = fields

    def save() -> None:
        if stage == "first":
            chosen = [k for k, t in zip(PaperKind, kinds, strict=True) if t.state == "down"]
            if not batch.text.strip():
                raise SessionError("束の番号を入力してください / enter the batch id")
            state.update(batch=batch.text.strip(), kind=(chosen or [PaperKind.ABSENTEE])[0].value,
                         first=_entry_of(officer.text, grid), stage="second")
        elif stage == "second":
            made = e.enter_paper(state["batch"], PaperKind(state["kind"]), state["first"],
                                 _entry_of(officer.text, grid))
            differences = e.paper_differences(made)
            if differences:
                state.update(stage="recount", differences=differences)
            else:
                _forget_paper(w, state["batch"])
        else:
            e.resolve_paper(state["batch"], _entry_of(e.manager, grid), reason.text,
                            [t.text for t in heard if t.state == "down"])
            _forget_paper(w, state["batch"])

    reason = kept(w.memory, "paper:reason", lines=2)
    heard = [kept_toggle(w.memory, f"paper:heard:{name}", name) for name in e.witnesses]
    if stage == "recount":
        box.add_widget(text(say("reason", w.lang)))
        box.add_widget(reason)
        box.add_widget(text(say("heard", w.lang)))
        for t in heard:
            box.add_widget(t)
        fields.update(reason=reason, heard=heard)
    label = {"first": "first", "second": "second", "recount": "recount"}[stage]
    box.add_widget(button(say(label, w.lang), lambda: w.act(save)))
    if state.get("agreed"):
        box.add_widget(text(f"{state['agreed']}: {say('agree', w.lang)}", colour=GOOD))
    return box


def result_view(w: Any) -> Any:
    e = w.evening
    box = column()
    box.add_widget(text(say("step.result", w.lang), size=26))
    try:
        counted = e.counted()
        if counted is None:
            box.add_widget(text(say("not_counted", w.lang)))
            return box
        _, newest = e.newest()
        results, _ = merge_paper(newest.package, counted, e.need().paper_batches())
    except (SessionError, PaperError) as exc:
        box.add_widget(text(str(exc), colour=PROBLEM))
        return box
    for r in results:
        box.add_widget(text(f"{r.title} / {r.title_en} — {one('valid', w.lang)} {r.valid:,}",
                            size=24))
        for c in sorted(r.candidates, key=lambda c: (-c.votes, c.candidate_id)):
            box.add_widget(row(text(f"{c.name}（{c.party}）"),
                               text(f"{c.votes:,} {one('votes', w.lang)}", halign="right",
                                    size_hint_x=0.3), height=36))
        for key, value in (("blank", r.blank), ("invalid", r.invalid), ("total", r.total)):
            box.add_widget(row(text(say(key, w.lang)),
                               text(f"{value:,}", halign="right", size_hint_x=0.3), height=36))
    out = kept(w.memory, "out", hint_text=f"{e.folder.name}/report")
    box.add_widget(row(text(say("report", w.lang), size_hint_x=0.3), out))
    w.memory["fields"] = {"out": out}

    def write() -> None:
        e.start_report(Path(out.text) if out.text.strip() else e.folder / "report")

    box.add_widget(button(say("write_report", w.lang), lambda: w.act(write)))
    if e.report is not None:
        box.add_widget(text(f"{say('report', w.lang)}: {e.report.pdf.name}", colour=GOOD))
        box.add_widget(text(f"結果署名鍵の指紋 / result-signing key fingerprint: "
                            f"{e.report.key_fingerprint}"))
    return box
