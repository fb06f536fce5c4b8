"""Every string the UI itself shows, Japanese first, English second. Names, parties and titles
come from the signed package; messages in Notice come from the firmware."""

from __future__ import annotations

from collections.abc import Mapping

STRINGS: Mapping[str, tuple[str, str]] = {
    "standby.open": ("投票カードを入れてください", "Please insert your voting card"),
    "standby.closed": ("現在は投票できません", "Voting is not open now"),
    "standby.phase": ("状態", "State"),
    "contest.of": ("{position}／{of} の選挙", "Contest {position} of {of}"),
    "contest.choose": ("一人を選んでください", "Choose one candidate"),
    "choice.blank": ("白票（だれも選ばない）", "Blank vote (no candidate)"),
    "choice.abstain": ("この選挙は棄権する", "Abstain in this contest"),
    "choice.selected": ("✓ 選択中", "✓ Selected"),
    "nav.back": ("戻る", "Back"),
    "nav.next": ("次へ", "Next"),
    "nav.more": ("続きを見る", "More"),
    "nav.previous": ("前を見る", "Previous"),
    "nav.page": ("{page}／{pages} ページ", "Page {page} of {pages}"),
    "review.title": ("この内容で投票しますか", "Cast your vote as shown?"),
    "review.change": ("変更する", "Change"),
    "review.cast": ("投票する", "Cast vote"),
    "recorded.title": ("投票が記録されました", "Your vote has been recorded"),
    "recorded.card": ("カードをお取りください", "Please take your card"),
    "pin.title": ("暗証番号を入れてください", "Enter your PIN"),
    "pin.tries": ("残り {n} 回", "{n} tries left"),
    "pin.clear": ("消去", "Clear"),
    "pin.enter": ("決定", "Enter"),
    "admin.title": ("投票管理者メニュー", "Poll manager menu"),
    "admin.holder": ("担当", "Holder"),
    "admin.phase": ("状態", "State"),
    "admin.fingerprint": ("選挙データ指紋", "Package fingerprint"),
    "admin.records": ("記録数", "Records"),
    "admin.sessions": ("投票済み {voted}・投票なし終了 {without}",
                       "Voted {voted}, ended without vote {without}"),
    "admin.sign-out": ("終了（サインアウト）", "Sign out"),
    "action.load-package": ("選挙データ読込", "Load package"),
    "action.zero-check": ("ゼロ確認", "Zero check"),
    "action.open": ("投票開始", "Open polls"),
    "action.pause": ("一時停止", "Pause"),
    "action.resume": ("再開", "Resume"),
    "action.close": ("投票終了", "Close polls"),
    "action.release-card": ("カード解放", "Release card"),
    "action.close-for-night": ("本日の投票終了（期日前）", "Close for the night"),
    "action.reopen-check": ("再開確認（期日前）", "Reopening check"),
    "action.reprint": ("報告書の再印刷", "Reprint report"),
    "action.assisted": ("補助投票の指定（第7条）", "Assisted voting (art. 7)"),
    "assist.title": ("補助投票の指定（法第7条）", "Assisted voting (art. 7)"),
    "assist.proxy": ("代理投票", "Proxy voting"),
    "assist.operation": ("操作補助", "Operating help"),
    "assist.assistant": ("補助者{n}", "Assistant {n}"),
    "assist.hint": ("代理投票は第7条第2項、操作補助は第7条第4項。投票事務従事者から異なる2人",
                    "Proxy voting art. 7-2, operating help art. 7-4; two different poll workers"),
    "assist.name-of": ("補助者{n}の氏名", "Assistant {n}'s name"),
    "assist.small": ("小", "small"),
    "assist.space": ("空白", "Space"),
    "assist.delete": ("1字消す", "Delete"),
    "assist.done": ("入力完了", "Done"),
    "assist.cancel": ("取消", "Cancel"),
    "assist.confirm": ("指定する", "Confirm"),
    "phase.unprovisioned": ("未設定", "not provisioned"),
    "phase.setup": ("準備中", "set-up"),
    "phase.package-loaded": ("選挙データ読込済", "package loaded"),
    "phase.zero-checked": ("ゼロ確認済", "zero checked"),
    "phase.open": ("投票中", "open"),
    "phase.paused": ("一時停止中", "paused"),
    "phase.closed": ("投票終了", "closed"),
    "phase.closed-for-night": ("本日の投票終了（期日前）", "closed for the night"),
    "notice.admin": ("投票管理者へ", "For the poll manager"),
    "nav.settings": ("表示・音声の設定", "Display and audio settings"),
    "nav.end": ("投票せずに終わる", "End without voting"),
    "settings.title": ("見やすさ・聞きやすさの設定", "Settings for reading and listening"),
    "settings.text_size": ("文字の大きさ", "Text size"),
    "settings.high_contrast": ("白黒反転（高コントラスト）", "High contrast"),
    "settings.audio": ("音声案内", "Audio guidance"),
    "settings.language": ("言語 Language", "Language 言語"),
    "settings.screen_blank": ("画面を消す", "Blank the screen"),
    "settings.on": ("入", "on"),
    "settings.off": ("切", "off"),
    "settings.start": ("投票を始める", "Start voting"),
    "alert.title": ("操作がありません", "Are you still voting?"),
    "alert.lock": ("あと {seconds} 秒で中断します。続けるときは画面に触れてください",
                   "Your session will stop in {seconds} seconds. Touch to continue."),
    "alert.continue": ("投票を続ける", "Continue voting"),
    "locked.title": ("投票は中断されました", "This voting session was stopped"),
    "locked.call": ("係員をお呼びください", "Please call the poll manager"),
    "admin.menu": ("メニューに戻る", "Back to menu"),
    "admin.older": ("古い記録", "Older"),
    "admin.newer": ("新しい記録", "Newer"),
    "admin.counts": ("投票数の確認", "Counts"),
    "admin.media": ("記録媒体の状態", "Media status"),
    "admin.audit-log": ("監査記録", "Audit log"),
    "action.counts": ("投票数の確認", "Counts"),
    "action.media": ("記録媒体の状態", "Media status"),
    "action.audit-log": ("監査記録", "Audit log"),
}


class UnknownString(KeyError):
    """A UI string key with no entry in the table (every string is reviewed here)."""


def text(key: str, lang: str, **values: object) -> str:
    try:
        pair = STRINGS[key]
    except KeyError as exc:
        raise UnknownString(f"UI文字列 {key!r} がありません / no UI string {key!r}") from exc
    template = pair[0] if lang == "ja" else pair[1]
    return template.format(**values)
