"""The application's own words, each in Japanese and English. Japanese first: the ``ja``
screens read "日本語 / English", the ``en`` screens (for observers who read English) put English
first. Messages from the counting core are already bilingual and are shown as they are."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("開票管理", "counting manager"),
    "projector": ("開票立会人の画面", "witnesses' screen"),
    "step.open": ("1 開票の開始", "1 open the session"),
    "step.receive": ("2 記録媒体の受領", "2 receive the media"),
    "step.import": ("3 取込・照合", "3 import and reconcile"),
    "step.decide": ("4 開票管理者の決定", "4 decisions"),
    "step.count": ("5 鍵保管者・集計", "5 key holders and count"),
    "step.paper": ("6 紙の投票", "6 paper ballots"),
    "step.result": ("7 開票結果", "7 the result"),
    "language": ("English", "日本語"),
    "manager": ("開票管理者の氏名", "counting manager's name"),
    "witnesses": ("開票立会人（1行に1人）", "witnesses (one per line)"),
    "open": ("開票を開始する", "open the counting session"),
    "opened": ("開票中", "session open"),
    "package": ("選挙データ", "election package"),
    "key_fp": ("開票鍵の指紋", "counting key fingerprint"),
    "media_folder": ("記録媒体の写しのフォルダ", "folder of the media copies"),
    "insert": ("記録媒体を1つずつ差し込んでください（読み取り専用で写します）",
               "insert the media one at a time (copied read-only)"),
    "none_yet": ("まだありません", "none yet"),
    "issued": ("受付の交付数の報告（JSON/CSV、任意）", "reception's cards-issued report (optional)"),
    "start_import": ("取り込む（全媒体を検証）", "import (verify every medium)"),
    "importing": ("取込中", "importing"),
    "counting": ("集計中", "counting"),
    "no_questions": ("決定が必要な問題はありません", "no problem needs a decision"),
    "reason": ("決定の理由", "reason for the decision"),
    "heard": ("意見を聴いた開票立会人（法第9条第4項）", "witnesses heard (art. 9-4)"),
    "record": ("決定を記録する", "record the decision"),
    "holders": ("来場した鍵保管者の人数", "key holders present"),
    "call": ("鍵保管者を順に呼ぶ", "call the key holders in turn"),
    "insert_card": ("カードを読取機に入れ、暗証番号を入力してください",
                    "insert the card at the reader and type the PIN"),
    "pin": ("暗証番号（表示されません）", "PIN (not shown)"),
    "ok": ("確定", "enter"),
    "withdraw": ("取りやめ", "withdraw"),
    "read": ("カード確認済", "card read"),
    "may_count": ("集計を開始できます", "counting may start"),
    "cannot_count": ("集計を開始できません", "counting cannot start"),
    "batch": ("束の番号", "batch id"),
    "officer": ("入力者の氏名", "officer's name"),
    "first": ("1回目の入力を登録", "save the first entry"),
    "second": ("2回目の入力を登録して照合", "save the second entry and compare"),
    "recount": ("数え直しを記録", "record the recount"),
    "agree": ("二つの入力が一致しました", "both entries agree"),
    "differ": ("二つの入力が一致しません。数え直してください", "the entries differ: recount"),
    "entry_of": ("入力", "entry"),
    "ballots": ("投票用紙の枚数", "ballots"),
    "blank": ("白票", "blank"),
    "invalid": ("無効", "invalid"),
    "write_report": ("報告書を作成する", "write the report"),
    "report": ("報告書", "report"),
    "not_counted": ("まだ集計していません", "not counted yet"),
    "valid": ("有効投票", "valid"),
    "total": ("投票総数", "total"),
    "votes": ("票", "votes"),
    "kind.absentee": ("不在者投票", "absentee"),
    "kind.postal": ("郵便等投票", "postal"),
    "kind.fallback": ("紙に切り替えた投票所", "paper fallback"),
    "q.copy": ("副本の使用（法第10条第2項）", "use the copy (art. 10-2)"),
    "q.night-seal": ("夜間封印のみの媒体", "night-sealed medium"),
    "q.reconciliation": ("投票者数の照合", "reconciliation"),
    "wait": ("お待ちください", "please wait"),
}


def say(key: str, lang: str) -> str:
    ja, en = WORDS[key]
    return f"{ja} / {en}" if lang == "ja" else f"{en} / {ja}"


def one(key: str, lang: str) -> str:
    """One language only, where space is short (a button beside its bilingual heading)."""
    ja, en = WORDS[key]
    return ja if lang == "ja" else en
