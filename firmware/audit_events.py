"""Audit-log event ids. GENERATED from firmware/events.toml — do not edit."""

from enum import IntEnum


class AuditEvent(IntEnum):
    """Every event the machine logs; the id is fixed forever."""

    MACHINE_BOOTED = 1001  # The machine started; the software hash is recorded
    MACHINE_PROVISIONED = 1002  # The machine was given its id and a new signing key
    ADMIN_CARD_INSERTED = 1101  # An admin card was inserted and its certificate checked
    ADMIN_PIN_CHECKED = 1102  # An admin card PIN was checked (success or failure, never the PIN)
    ADMIN_SESSION_ENDED = 1103  # An admin session ended (card removed or signed out)
    ADMIN_ACTION_REFUSED = 1104  # A management action was refused for lack of a session or role
    PACKAGE_LOAD = 1201  # An election package was loaded and its signature checked
    MEDIA_PREPARE = 1301  # The primary and copy media were initialised or verified
    ZERO_CHECK = 1302  # The media were checked to hold no vote (zero check)
    MEDIA_ERROR = 1303  # A media fault was detected
    MEDIA_SEAL = 1304  # The seal was written to both media
    RECOVERY = 1305  # An interrupted vote was resolved at start-up
    POLLS_OPENED = 1401  # Polls were opened
    POLLS_PAUSED = 1402  # Polls were paused
    POLLS_RESUMED = 1403  # Polls were resumed
    POLLS_CLOSED = 1404  # Polls were closed; no more votes can be cast
    VOTING_CARD_CHECKED = 1501  # A voting card was checked (accepted or refused)
    VOTE_COMMIT = 1502  # A vote was recorded on both media (its content is never logged)
    SESSION_ENDED_WITHOUT_VOTE = 1503  # A session ended without a vote; the card was consumed
    VOTING_CARD_RELEASED = 1504  # The poll manager released a card whose vote was not recorded
    REPORT_PRINTED = 1601  # A report was printed
    COUNTING_SESSION_OPENED = 2050  # The counting session's log was opened (counting manager and result-signing key fingerprint)
    VALIDITY_DECIDED = 2051  # The counting manager decided a vote's validity after hearing the witnesses (art. 9-4)
    COPY_MEDIUM_DECIDED = 2052  # The counting manager decided to count a machine's copy medium (art. 10-2)
    RECONCILIATION_DECIDED = 2053  # The counting manager decided on a reconciliation mismatch
    PAPER_ENTRY_RECORDED = 2054  # An officer entered the count of a batch of paper ballots
    PAPER_MISMATCH_RESOLVED = 2055  # The counting manager resolved a mismatch between the two entries of a paper batch
    PAPER_MERGED = 2056  # The paper ballot counts were merged into the result
    RESULT_SIGNED = 2057  # The result was signed and the report produced
    MEDIA_SPACE_LOW = 1320  # The poll manager was warned that a medium or slot table is nearly full
    POWER_FAILING = 1321  # The UPS signalled a power failure; voting was suspended safely
    MEDIA_REMOVABLE = 1322  # Seal and audit log were written to both media and read back; they may be removed
    LEDGER_REPAIRED = 1323  # A card-ledger line torn by a power cut was removed at start-up
    INACTIVITY_ALERT = 1750  # After the inactivity limit the voter was alerted and asked to continue
    INACTIVITY_RESUMED = 1751  # The voter answered the inactivity alert and continued
    SESSION_LOCKED = 1752  # No answer to the alert: session abandoned, selections wiped, nothing recorded; locked until the poll manager
    SESSION_UNLOCKED = 1753  # The poll manager unlocked the machine after an abandoned session (nothing was recorded)
    ASSISTED_MODE_ENABLED = 1754  # The poll manager named two assistants and set assisted voting for the next session (art. 7)
    ASSISTED_MODE_CANCELLED = 1755  # The poll manager cancelled a pending assisted voting mode
    ADMIN_VIEW_SHOWN = 1756  # The poll manager viewed the counts, the media status or the audit log
    RESULT_COUNTED = 2058  # Counting finished; the hash of the totals is recorded
    NIGHT_SEALED_MEDIUM_DECIDED = 2059  # The counting manager decided, after hearing the witnesses, about a medium sealed for the night only
    REPORT_REPRINTED = 1050  # The poll manager reprinted the last report
    NETWORK_INTERFACE_FOUND = 1051  # A network interface other than loopback exists; opening the polls was refused (art. 4-2)
    POLLS_CLOSED_FOR_NIGHT = 1052  # Early voting: polls closed for the night and the media sealed (not final)
    REOPEN_CHECK = 1053  # Early voting: next morning, the media were checked against the previous night's seal
    AUDIT_LOG_REPAIRED = 1324  # An audit-log line torn by a power cut was removed at start-up
    KEY_CEREMONY_COMPLETED = 2001  # The counting key was generated and split k-of-n onto key holders' cards (public key fingerprint and threshold recorded)
    KEY_SHARE_READ = 2002  # A key holder's card PIN was checked and the share read (holder and outcome only, never the share)
    COUNTING_KEY_UNLOCKED = 2003  # The counting key was rebuilt in memory from a quorum of key holders' shares and matched the public key
    COUNTING_KEY_UNLOCK_REFUSED = 2004  # The counting key was not rebuilt (too few holders, or a wrong, altered or foreign share)
    COUNTING_KEY_WIPED = 2005  # The counting key was wiped from memory
    MEDIUM_IMPORTED = 2006  # A vote medium was imported and verified (machine, primary or copy, records, outcome)
    IMPORT_COMPLETED = 2007  # Import of all media finished (machines counted, problems, machines without a medium)
    RECONCILIATION_CHECKED = 2008  # Voting cards and sessions were reconciled per polling place and machine (mismatches)
    ADMIN_CARD_AUTHENTICATED = 1120  # An admin card's authenticity was checked with its no-PIN key (commission certificate, election, validity, signature)
    ADMIN_SESSION_EXPIRED = 1121  # An admin session ended at its idle or overall time limit (package settings)
    ADMIN_OPERATION_SIGNED = 1122  # The admin card signed its approval of a management operation (operation; reason on failure)
    CARD_READER_FAULT = 1123  # Card reader or card fault (no reader, two cards, foreign card, malformed answer)
    VOTING_CARD_CONSUMPTION_COMPLETED = 1124  # A card whose vote this machine recorded, still locked here (pulled or power lost before it was marked), was marked used when inserted again
    VOTING_CARD_RELEASE_ARMED = 1520  # The poll manager authorised releasing the next voting card inserted
    ISSUER_LOGIN = 1521  # A poll manager logged in to the reception card issuer (success or failure)
    VOTING_CARD_ISSUED = 1522  # Reception issued a voting card (ballot style only, no voter identity)
    VOTING_CARD_VOIDED = 1523  # Reception voided a spoiled voting card
    ISSUER_COUNTS_PRINTED = 1524  # The card issuer printed its counts for reconciliation (issued, consumed, voided, outstanding)


# What each event means, Japanese first, for the poll manager's audit-log screen
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    'machine_booted': ('投票機が起動した（ソフトウェアのハッシュ値を記録）', 'The machine started; the software hash is recorded'),
    'machine_provisioned': ('投票機に機械番号と鍵が設定された', 'The machine was given its id and a new signing key'),
    'admin_card_inserted': ('管理者カードが挿入され、証明書を確認した', 'An admin card was inserted and its certificate checked'),
    'admin_pin_checked': ('管理者カードの暗証番号を照合した', 'An admin card PIN was checked (success or failure, never the PIN)'),
    'admin_session_ended': ('管理者の操作が終了した（カード抜去など）', 'An admin session ended (card removed or signed out)'),
    'admin_action_refused': ('権限のない管理操作を拒否した', 'A management action was refused for lack of a session or role'),
    'package_load': ('選挙データを読み込んだ（署名・指紋を確認）', 'An election package was loaded and its signature checked'),
    'media_prepare': ('正副の記録媒体を初期化または確認した', 'The primary and copy media were initialised or verified'),
    'zero_check': ('記録媒体が空であることを確認した（ゼロ確認）', 'The media were checked to hold no vote (zero check)'),
    'media_error': ('記録媒体の異常を検出した', 'A media fault was detected'),
    'media_seal': ('記録媒体に封印記録を書き込んだ', 'The seal was written to both media'),
    'recovery': ('中断された投票の記録を起動時に確認・復旧した', 'An interrupted vote was resolved at start-up'),
    'polls_opened': ('投票を開始した', 'Polls were opened'),
    'polls_paused': ('投票を一時停止した', 'Polls were paused'),
    'polls_resumed': ('投票を再開した', 'Polls were resumed'),
    'polls_closed': ('投票を終了した（以後投票不可）', 'Polls were closed; no more votes can be cast'),
    'voting_card_checked': ('投票カードを確認した（受付または拒否）', 'A voting card was checked (accepted or refused)'),
    'vote_commit': ('投票を正副の記録媒体に記録した（内容は記録しない）', 'A vote was recorded on both media (its content is never logged)'),
    'session_ended_without_vote': ('投票せずに終了した（カードは使用済み）', 'A session ended without a vote; the card was consumed'),
    'voting_card_released': ('記録されなかった投票のカードを投票管理者が解放した', 'The poll manager released a card whose vote was not recorded'),
    'report_printed': ('報告書を印刷した', 'A report was printed'),
    'counting_session_opened': ('開票の作業記録を開始した（開票管理者と結果署名鍵の指紋を記録）', "The counting session's log was opened (counting manager and result-signing key fingerprint)"),
    'validity_decided': ('開票管理者が開票立会人の意見を聴いて投票の効力を決定した（法第9条第4項）', "The counting manager decided a vote's validity after hearing the witnesses (art. 9-4)"),
    'copy_medium_decided': ('開票管理者が副本の記録媒体を使うことを決定した（法第10条第2項）', "The counting manager decided to count a machine's copy medium (art. 10-2)"),
    'reconciliation_decided': ('投票者数の照合の不一致について開票管理者が決定した', 'The counting manager decided on a reconciliation mismatch'),
    'paper_entry_recorded': ('紙の投票の計数を事務従事者が入力した', 'An officer entered the count of a batch of paper ballots'),
    'paper_mismatch_resolved': ('紙の投票の二重入力の不一致を開票管理者が解消した', 'The counting manager resolved a mismatch between the two entries of a paper batch'),
    'paper_merged': ('紙の投票の計数を開票結果に合算した', 'The paper ballot counts were merged into the result'),
    'result_signed': ('開票結果に署名し、報告書を作成した', 'The result was signed and the report produced'),
    'media_space_low': ('記録媒体の残りが少なくなったことを投票管理者に知らせた', 'The poll manager was warned that a medium or slot table is nearly full'),
    'power_failing': ('無停電電源装置から停電の通知を受け、投票を安全に一時停止した', 'The UPS signalled a power failure; voting was suspended safely'),
    'media_removable': ('封印と監査ログを正副の記録媒体に書き込み、読み戻して確認した（取り外し可）', 'Seal and audit log were written to both media and read back; they may be removed'),
    'ledger_repaired': ('停電で途中まで書かれたカード台帳の最終行を取り除いた', 'A card-ledger line torn by a power cut was removed at start-up'),
    'inactivity_alert': ('無操作が続いたため、投票を続けるか確認する警告を表示した', 'After the inactivity limit the voter was alerted and asked to continue'),
    'inactivity_resumed': ('警告の後、投票者が投票を続けた', 'The voter answered the inactivity alert and continued'),
    'session_locked': ('警告に応答がなく投票を中断した（選択は消去、記録なし）。投票管理者が来るまで停止', 'No answer to the alert: session abandoned, selections wiped, nothing recorded; locked until the poll manager'),
    'session_unlocked': ('投票管理者が中断された投票のロックを解除した（投票は記録されていない）', 'The poll manager unlocked the machine after an abandoned session (nothing was recorded)'),
    'assisted_mode_enabled': ('投票管理者が補助者2人を指定し、次の投票を補助投票とした（法第7条）', 'The poll manager named two assistants and set assisted voting for the next session (art. 7)'),
    'assisted_mode_cancelled': ('投票管理者が補助投票の指定を取り消した', 'The poll manager cancelled a pending assisted voting mode'),
    'admin_view_shown': ('投票管理者が集計・記録媒体の状態・監査ログを表示した', 'The poll manager viewed the counts, the media status or the audit log'),
    'result_counted': ('集計を終えた（候補者別の合計のハッシュ値を記録）', 'Counting finished; the hash of the totals is recorded'),
    'night_sealed_medium_decided': ('期日前投票の夜間封印のみの媒体を数えるかを開票管理者が決定した（立会人の意見を聴いて）', 'The counting manager decided, after hearing the witnesses, about a medium sealed for the night only'),
    'report_reprinted': ('投票管理者が最後の報告書を再印刷した', 'The poll manager reprinted the last report'),
    'network_interface_found': ('ループバック以外のネットワークインターフェースを検出し、投票開始を拒否した（第4条の2）', 'A network interface other than loopback exists; opening the polls was refused (art. 4-2)'),
    'polls_closed_for_night': ('期日前投票のため当日の投票を終了し、記録媒体を封印した（最終ではない）', 'Early voting: polls closed for the night and the media sealed (not final)'),
    'reopen_check': ('期日前投票の翌朝、前回の封印と記録媒体の記録数の一致を確認した', "Early voting: next morning, the media were checked against the previous night's seal"),
    'audit_log_repaired': ('停電で途中まで書かれた監査ログの最終行を起動時に取り除いた', 'An audit-log line torn by a power cut was removed at start-up'),
    'key_ceremony_completed': ('開票鍵を生成し、k-of-nに分割して鍵保管者カードに書き込んだ（公開鍵の指紋としきい値を記録）', "The counting key was generated and split k-of-n onto key holders' cards (public key fingerprint and threshold recorded)"),
    'key_share_read': ('鍵保管者カードの暗証番号を照合し分割片を読み出した（保管者と成否のみ。分割片は記録しない）', "A key holder's card PIN was checked and the share read (holder and outcome only, never the share)"),
    'counting_key_unlocked': ('しきい値以上の鍵保管者の分割片から開票鍵をメモリ上に復元し、公開鍵と一致することを確認した', "The counting key was rebuilt in memory from a quorum of key holders' shares and matched the public key"),
    'counting_key_unlock_refused': ('開票鍵を復元しなかった（人数不足、誤った・改ざんされた・別の組の分割片）', 'The counting key was not rebuilt (too few holders, or a wrong, altered or foreign share)'),
    'counting_key_wiped': ('開票鍵をメモリから消去した', 'The counting key was wiped from memory'),
    'medium_imported': ('記録媒体を取り込み検証した（投票機、正本・副本、記録数、結果）', 'A vote medium was imported and verified (machine, primary or copy, records, outcome)'),
    'import_completed': ('全記録媒体の取り込みを終えた（集計対象の投票機、問題の件数、媒体のない投票機）', 'Import of all media finished (machines counted, problems, machines without a medium)'),
    'reconciliation_checked': ('投票所ごと・投票機ごとに投票者数を照合した（不一致の件数）', 'Voting cards and sessions were reconciled per polling place and machine (mismatches)'),
    'admin_card_authenticated': ('管理者カードの真正性を暗証番号なしの鍵で確認した（委員会の証明書、選挙、期限、署名）', "An admin card's authenticity was checked with its no-PIN key (commission certificate, election, validity, signature)"),
    'admin_session_expired': ('管理者の操作が時間制限（無操作または全体）で終了した', 'An admin session ended at its idle or overall time limit (package settings)'),
    'admin_operation_signed': ('管理操作を管理者カードが署名で承認した（操作名、失敗時は理由）', 'The admin card signed its approval of a management operation (operation; reason on failure)'),
    'card_reader_fault': ('カードリーダーまたはカードの異常（未接続、2枚挿入、他のカード、応答不正）', 'Card reader or card fault (no reader, two cards, foreign card, malformed answer)'),
    'voting_card_consumption_completed': ('記録済みなのに本機に施錠されたままの投票カードを、再挿入時に使用済みにした', 'A card whose vote this machine recorded, still locked here (pulled or power lost before it was marked), was marked used when inserted again'),
    'voting_card_release_armed': ('投票管理者が次に挿入される投票カードの解放を許可した', 'The poll manager authorised releasing the next voting card inserted'),
    'issuer_login': ('受付の発行機に投票管理者がログインした（成功・失敗）', 'A poll manager logged in to the reception card issuer (success or failure)'),
    'voting_card_issued': ('受付で投票カードを発行した（投票の組合せ、本人情報なし）', 'Reception issued a voting card (ballot style only, no voter identity)'),
    'voting_card_voided': ('受付で書き損じの投票カードを無効にした', 'Reception voided a spoiled voting card'),
    'issuer_counts_printed': ('発行機の枚数（発行・使用・無効・未使用）を照合用に出力した', 'The card issuer printed its counts for reconciliation (issued, consumed, voided, outstanding)'),
}
