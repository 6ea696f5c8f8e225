"""WhatsApp chat exports ("Export chat" in the apps): one ``.txt`` per chat.

Inputs: the ``.txt`` file, the ``.zip`` the apps produce (``_chat.txt`` on iOS,
``WhatsApp Chat with X.txt`` on Android, beside the media files), or a folder holding any
number of those (``.txt`` files and ``.zip`` files). Every ``.txt`` whose first lines carry
WhatsApp timestamps is one chat; media files are ignored.

Layouts (one message per line, a line without a timestamp continues the previous message)::

    Android  1/29/18, 12:24 PM - Alice: Hey            29.01.18, 12:24 - Alice: Hey
    iOS      [1/29/18, 12:24:12 PM] Alice: Hey         [29.01.18, 12:24:03] Alice: Hey

Dates: separators ``/ . -``, 2- or 4-digit years, year-first when the first field has 4 digits.
Whether the file is day-first or month-first is decided from the *whole file* in a first pass
(the tree is opened twice; the first pass keeps only counters, so memory stays bounded): any
first field > 12 means day-first, else any second field > 12 means month-first, else the order
under which the dates run forward in time more often wins (by a margin of at least two date
changes), else day-first, except ``/`` dates written with an AM/PM clock, which are month-first
(the US layout).

Times: 24h or 12h (``PM``, ``p.m.``, ``a. m.``, with U+202F or no space before the marker).
Impossible 12h times seen in the wild are read as 24h times: an hour above 12 or equal to 0
ignores its AM/PM marker (``23:59 PM`` is 23:59, ``00:04 AM`` is 00:04). The export carries no
time zone: the device's wall-clock time is read in the user's zone (``closeknit me timezone``,
``ctx.tz``), and as UTC until one is set. Ids do not depend on the zone (below).

Cleaning: U+FEFF (even doubled, even inside the bracket), U+200E and the U+202A/U+202C marks
around phone numbers are removed from every line; CRLF is accepted.

Records: each message is an ``Interaction`` of kind ``message`` (``call`` for "Missed voice
call" notices) on channel ``whatsapp``; its recipients are all other known participants of the
chat (everyone who wrote or was named in a system line, plus the user when known). Lines
without ``author:`` (group created, added, removed, left, subject/icon changed, encryption
notice, joined via link, disappearing messages, ...) and the iOS notices that WhatsApp writes
under the chat's own name (encryption, security code changed) are kind ``system``, with the
acting participant as actor when the line names one (``You`` is the user, when known) and the
people it names as ``subject``: actors and named people of group events (created, added,
removed, left, joined via link, changed subject/icon/number) are read in English, German,
Russian, Spanish, Portuguese, French, Italian, Dutch, Turkish, Indonesian, Arabic, Japanese,
Chinese and Korean, and the Polish ones a real export shows (created, joined from the community,
``Dodano: X``) (``_SYS``); the notices (encryption, security code, a group's first notice) also
in Hindi, Malay, Persian, Urdu, Ukrainian, Polish and more (``_OTHER_NOTICES``, ``_GROUP_NOTICES``). Media placeholders (``<Media omitted>``, ``image omitted``,
``Bild weggelassen``, ``<attached: ...>``, ``IMG-....jpg (file attached)``, ...) and deleted
messages give a message with ``text`` None, or with the caption that follows on the next lines.

Participants: a contact name is ``Ident("whatsapp", "name", name, name)``; a bare phone number
is ``Ident("phone", "phone", "+E164")`` (read in ``ctx.region``). A chat is private (1:1) when
it has at most two participants and no group system line, else group.

The user: ``ctx.self_idents`` (names or numbers); the author of a "You deleted this message"
notice; and, in a private chat exported as "WhatsApp Chat with X" (or an iOS chat whose notices
are written under X), the author who is not X. The latter two are yielded as ``SelfIdentity``.

Ids: the export has no message ids. ``thread`` is a hash of the chat name taken from the file
name (``WhatsApp Chat with X.txt``, ``WhatsApp Chat - X.zip`` around ``_chat.txt``) or from the
iOS notices, else of the sorted set of authors. A message's ``native_id`` is a hash of (thread,
timestamp, author, text) plus an ordinal among identical ones, so a later, longer export of the
same chat adds only the new messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from hashlib import blake2b
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from closeknit.core.errors import InputError
from closeknit.core.ids import content_id
from closeknit.core.normalize import normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import DirTree, InputTree, ZipTree, decode_head, iter_lines
from closeknit.ingest.records import BadRecord, Ident, Interaction, Record, SelfIdentity

__all__ = ["WhatsAppImporter", "chat_name_from_filename", "classify_system"]

_UTC = timezone.utc

# Date, time and the layout's separator. Group 1 is the iOS bracket; the conditional at the end
# requires "] " after a bracketed stamp and " - " after a bare one (Android).
_HEAD = re.compile(
    r"(\[)?(\d{1,4})([./-])(\d{1,2})\3(\d{1,4})\.?,? ?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?"
    r"(?:[ \u202f\u00a0]?([AaPp])\.?[ \u202f\u00a0]?[Mm]\.?)?"
    r"(?(1)\] | - )"
)
_MARKS = ("\ufeff", "\u200e", "\u202a", "\u202c", "\u200f")
# Arabic-locale stamps (2026-12-07): Arabic-Indic (U+0660..) or Eastern Arabic-Indic (U+06F0..) digits,
# the Arabic comma and ص/م for AM/PM, with RTL marks between the parts ("٢٤‏/٤‏/٢٠٢٢، ٢:٠٧ م - "), as
# read by mtln/chat-export @ 22fa5d3b2da3, tests/test_arabic_locale.py (its pull request #30: a real
# Arabic export of 970 messages) and starkdmi/whats_json @ 1064754eaec4, lib/src/patterns.dart
# (arabicDateTime). Only the stamp is rewritten; message texts keep their digits.
_AR_STAMP = str.maketrans({**{chr(0x660 + i): str(i) for i in range(10)}, **{chr(0x6F0 + i): str(i) for i in range(10)},
                           "\u060c": ","})
_AR_DIGITS = frozenset(chr(0x660 + i) for i in range(10)) | frozenset(chr(0x6F0 + i) for i in range(10))
_AR_AMPM = re.compile(r" ?([\u0635\u0645])$")


def _western_stamp(line: str) -> str:
    """``line`` with an Arabic-locale stamp rewritten in Western digits (any other line unchanged).

    >>> _western_stamp("٢٤/٤/٢٠٢٢، ٢:٠٧ م - عمار: ٣ لتر")
    '24/4/2022, 2:07 PM - عمار: ٣ لتر'
    >>> _western_stamp("[15/03/2024, 9:12:05 م] جدتي: رمضان كريم")
    '[15/03/2024, 9:12:05 PM] جدتي: رمضان كريم'
    """
    end = line.find("] ") + 1 if line[:1] == "[" else line.find(" - ")
    if end <= 0 or end > 40:
        return line
    stamp = line[:end]
    if not (_AR_DIGITS.intersection(stamp) or "\u0635" in stamp or "\u0645" in stamp or "\u060c" in stamp):
        return line
    stamp = stamp.translate(_AR_STAMP)
    close = "]" if stamp.endswith("]") else ""
    body = _AR_AMPM.sub(lambda m: " AM" if m.group(1) == "\u0635" else " PM", stamp[:-1] if close else stamp)
    return body + close + line[end:]


# Korean and Chinese stamps (2026-12-07): the date as the locale writes it, the AM/PM marker before the
# time ("[2023. 12. 31. 오후 11:58:02] ", "[2024/2/9 下午8:01:15] "), as in JaydenCJ/chatcarve @ f89810ff397e,
# tests/corpus/ko-kr-ios.txt and zh-tw-ios.txt (its docs/locale-support.md: "prefix meridiem"); the same
# date forms as the Korean and Chinese locales write them everywhere ("2020. 7. 14. 오후 3:37:34",
# "2021/3/19 下午1:58"); the markers as in its src/chatcarve/timestamp.py (오전/오후, 上午/下午, 午前/午後). Japanese stamps ("[2023/12/31 23:50:12] ") need no rewriting.
_CJK_STAMP = re.compile(
    r"(\[)?(\d{4})(?:\. ?|/|-)(\d{1,2})(?:\. ?|/|-)(\d{1,2})\.? ?(오전|오후|上午|下午|午前|午後) ?(\d{1,2}:\d{2}(?::\d{2})?)(?(1)\]| -)"
)
_CJK_PM = frozenset({"오후", "下午", "午後"})


def _cjk_stamp(line: str) -> str:
    """``line`` with a Korean or Chinese stamp rewritten in the layout ``_HEAD`` reads (else unchanged).

    >>> _cjk_stamp("[2023. 12. 31. 오후 11:58:02] 할머니: 새해 복")
    '[2023/12/31, 11:58:02 PM] 할머니: 새해 복'
    >>> _cjk_stamp("2024/2/9 上午8:01 - 阿嬤: 早")
    '2024/2/9, 8:01 AM - 阿嬤: 早'
    """
    m = _CJK_STAMP.match(line)
    if m is None:
        return line
    ap = "PM" if m.group(5) in _CJK_PM else "AM"
    stamp = f"{m.group(2)}/{m.group(3)}/{m.group(4)}, {m.group(6)} {ap}"
    return (f"[{stamp}]" if m.group(1) else f"{stamp} -") + line[m.end():]


def _local_stamp(line: str) -> str:
    """``line`` with an Arabic-, Korean- or Chinese-locale stamp rewritten (the same object if none)."""
    western = _western_stamp(line)
    return _cjk_stamp(line) if western is line else western


_PHONE = re.compile(r"^\+?[\d][\d \-().\u00a0\u202f]{5,}$")
# Android system lines that hold ": " and so read as "Name: text" (2026-12-07): Polish "Dodano: X" (X was
# added; a real export, mgajczewski/paragliding-survey @ f988f58dc560, ballast-fairness-survey/docs/
# discussions/Whatsapp - Ballast free talks - 2025-11-10.md) and English "X added you to a group in the
# community: Y" (real Android lines quoted in lucasrodes/whatstk issue #147). Before, "Dodano" and "X added
# you to a group in the community" were people who wrote messages.
_COLON_NOTICE = re.compile(r"^(?:Dodano: |[^:]+ added you to a group in the community: )")
_QUOTES = ('"', "\u201c", "\u201e", "\u00ab")
_QUOTE_RE = re.compile("[\"\u201c\u201e\u00ab]")

# -- message texts that are not text -------------------------------------------------------
# Other languages (2026-12): WhatsApp's own strings (Android strings.xml, iOS Localizable.strings)
# as collected in starkdmi/whats_json, lib/src/patterns.dart (commit 1064754eaec4), for Spanish,
# Portuguese, French, Italian, Dutch, Turkish, Indonesian, Malay, Arabic, Hindi, Persian, Urdu,
# Ukrainian and Polish, beside English, German and Russian (17 languages); Japanese, Chinese and
# Korean added 2026-12-07 (same file; chatcarve's catalog and corpus agree where they overlap).
_MEDIA_EXACT = frozenset(
    {
        "<Media omitted>",
        "<Medien ausgeschlossen>",
        "<Medien weggelassen>",
        "<Без медиафайлов>",
        "<Multimedia omitido>",
        "<Archivo omitido>",
        "<Médias omis>",
        "<Fichier omis>",
        "<Mídia omitida>",
        "<Ficheiro não revelado>",
        "<Media omesso>",
        "<Media weggelaten>",
        "<Medya atlanmış>",
        "<Media tidak disertakan>",
        "<Media disingkirkan>",
        "<تم استبعاد الوسائط>",
        "<मीडिया के बिना>",
        "<میڈیا چھوڑ دیا گیا>",
        "<Медіа пропущено>",
        "<pliki pominięto>",
        # Polish Android since at least 2025, as in a real export (2026-12-07): mgajczewski/paragliding-survey
        # @ 1facc73bb5f8, ballast-fairness-survey/docs/Whatsapp - Ballast free talks.txt
        "<Pominięto multimedia>",
        # Persian, as in a real export quoted in JBGruber/rwhatsapp issue #28 (2022-02-04)
        "<رسانه حذف شد>",
        # Japanese, Chinese, Korean (2026-12-07; whats_json as above; "画像は省略されました", "이미지 생략됨",
        # "圖片已省略" also in JaydenCJ/chatcarve @ f89810ff397e tests/corpus/*-ios.txt): Android's
        # placeholder, and iOS's per kind (image, video, audio, sticker, GIF, document)
        "<メディアは含まれていません>", "<미디어 파일을 생략한 대화내용>", "<忽略多媒體檔>", "<省略多媒体文件>",
        "画像は含まれていません", "画像は省略されました", "ビデオは含まれていません", "音声は含まれていません",
        "スタンプは含まれていません", "GIFは含まれていません", "ドキュメントは含まれていません",
        "이미지 생략됨", "비디오 생략됨", "오디오 생략됨", "스티커 제외됨", "GIF 생략됨", "문서 생략됨",
        "圖片已略去", "圖片已省略", "圖像已省略", "照片已忽略", "影片已略去", "影片已省略", "视频已忽略", "音訊已略去",
        "音訊已省略", "音频已忽略", "貼圖已略去", "貼圖已忽略", "贴图已省略", "GIF 已略去", "GIF 圖片已被省略",
        "GIF 动态图已被忽略", "文件已略去", "文件已忽略", "文档已省略",
    }
)
_MEDIA_SUFFIX = re.compile(
    r"(?:^|\s)(?:(?:image|video|audio|sticker|GIF|Contact card|document|media) omitted"
    r"|(?:Bild|Video|Audio|Sticker|GIF|Dokument|Medien) weggelassen|Kontaktkarte ausgelassen"
    r"|(?:изображение|видео|аудио|стикер|GIF|документ|карточка контакта) (?:отсутствует|пропущено|опущено)"
    # iOS, other languages (source: see _MEDIA_EXACT)
    r"|imagen omitida|[Vv]ideo omitido|audio omitido|sticker omitido|GIF omitido|documento omitido"
    r"|imagem ocultada|vídeo omitido|image absente|vidéo absente|audio omis|sticker omis|GIF omis"
    r"|immagine omessa|video omesso|audio omesso|documento omesso|afbeelding weggelaten|video weggelaten"
    r"|audio weggelaten|sticker weggelaten|GIF weggelaten|document weggelaten)$"
)
# The note WhatsApp puts after an edited message's text (exports since 2023; 2026-12-07): English, as the
# PyPI package wakit 0.3.0 strips it (src/wakit/export_import.py, EDITED); Polish, as in the real export
# mgajczewski/paragliding-survey @ 1facc73bb5f8 (ballast-fairness-survey/docs/Whatsapp - Ballast free
# talks.txt). It is not the author's text: it is taken off the message's text (the id still hashes the line).
_EDITED = re.compile(r"\s*<(?:This message was edited|Ta wiadomość była edytowana)>$")
_ATTACHED = re.compile(r"<(?:attached|Anhang|вложение): [^<>]*>$")
# "IMG-....jpg (file attached)" in the other languages (2026-12-07): WhatsApp's Android strings as
# collected in dezi/ChatMatter @ 24cc16bf6543, app/src/main/java/de/kappa_mm/email/chatmatter/
# LanguageTags.java (WAAttachment, one per Android locale); "archivo adjunto" from a real Spanish export.
_FILE_ATTACHED = re.compile(
    r"\S\.\w{1,5} \((?:file attached|Datei angehängt|файл добавлен|archivo adjunto|archivo adjuntado|arquivo anexado"
    r"|ficheiro anexado|fichier joint|file allegato|bestand bijgevoegd|dosya ekli|file terlampir|fail dilampirkan"
    r"|الملف مرفق|फाइल अटैच कर दी गई है|پیوستہ فائل|файл додано|załączony plik|添付ファイル有り|파일 첨부됨|文件附件|附件檔案"
    r"|קובץ מצורף|ফাইল সংযুক্ত হয়েছে|tệp đính kèm|ไฟล์ที่แนบ|fișier atașat|bifogad fil|vedlagt fil|fil vedhæftet"
    r"|liitetiedosto|soubor byl přiložen|súbor pripojený|fájl csatolva|συνημμένο αρχείο|прикачен файл|arxiu adjunt"
    r"|datoteka u privitku)\)$"
)
_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "Diese Nachricht wurde gelöscht",
        "Diese Nachricht wurde gelöscht.",
        "Данное сообщение удалено",
        "Это сообщение удалено",
        "Se eliminó este mensaje", "Este mensaje fue eliminado", "Esta mensagem foi apagada", "Mensagem apagada",
        "Ce message a été supprimé", "Questo messaggio è stato eliminato", "Dit bericht is verwijderd",
        "Bu mesaj silindi", "Pesan ini dihapus", "Pesan ini telah dihapus", "Mesej ini telah dipadam",
        "تم حذف هذه الرسالة", "यह मैसेज डिलीट कर दिया गया है", "यह संदेश मिटाया गया", "این پیام حذف شده است",
        "این پیام حذف شد", "یہ میسج حذف کر دیا گیا ہے۔", "یہ پیغام حذف کیا گیا", "Це повідомлення було видалено",
        "Ta wiadomość została usunięta",
        "このメッセージは削除されました", "このメッセージは削除されました。", "이 메시지는 삭제되었습니다", "삭제된 메시지입니다",
        "此訊息已刪除", "此訊息已刪除。", "这条消息已被删除。", "此消息已删除", "信息已删除",
    }
)
_YOU_DELETED = frozenset(
    {
        "You deleted this message",
        "You deleted this message.",
        "Du hast diese Nachricht gelöscht",
        "Du hast diese Nachricht gelöscht.",
        "Вы удалили данное сообщение",
        "Вы удалили это сообщение",
        "Eliminaste este mensaje", "Você apagou esta mensagem", "Apagou esta mensagem", "Vous avez supprimé ce message",
        "Hai eliminato questo messaggio", "U hebt dit bericht verwijderd", "Bu mesajı sildiniz", "Anda menghapus pesan ini",
        "Anda telah menghapus pesan ini", "Anda telah memadamkan mesej ini", "لقد حذَفت هذه الرسالة", "أنت حذفت هذه الرسالة",
        "आपने यह मैसेज डिलीट किया", "आपने यह संदेश मिटाया", "شما این پیام را حذف کردید", "آپ نے یہ میسج حذف کر دیا ہے",
        "آپ نے اس پیغام کو حذف کیا", "Ви видалили це повідомлення", "Usunąłeś(-ęłaś) tę wiadomość",
        "このメッセージを削除しました", "このメッセージを削除しました。", "이 메시지를 삭제했습니다", "메시지를 삭제했습니다",
        "您已刪除此訊息", "您已刪除此訊息。", "您已删除这条消息", "您已删除这条消息。", "你已刪除這則訊息",
    }
)
_CALLS = frozenset(
    {
        "Missed voice call",
        "Missed video call",
        "Verpasster Sprachanruf",
        "Verpasster Videoanruf",
        "Пропущенный аудиозвонок",
        "Пропущенный видеозвонок",
        "Llamada perdida", "Llamada de voz perdida", "Videollamada perdida", "Chamada de voz perdida",
        "Videochamada perdida", "Chamada de vídeo perdida", "Appel vocal manqué", "Appel vidéo manqué",
        "Chiamata vocale persa", "Videochiamata persa", "Gemist spraakgesprek", "Gemiste spraakoproep",
        "Gemist videogesprek", "Gemiste video-oproep", "Cevapsız sesli arama", "Cevapsız görüntülü arama",
        "Panggilan suara tak terjawab", "Panggilan video tak terjawab", "Panggilan suara terlepas",
        "Panggilan video terlepas", "مكالمة صوتية فائتة", "مكالمة فيديو فائتة", "मिस्ड वॉइस कॉल", "मिस्ड वीडियो कॉल",
        "تماس صوتی پاسخ داده نشده", "مسڈ وائس کال", "مسڈ ویڈیو کال", "Пропущений аудіодзвінок",
        "Пропущений відеодзвінок", "Nieodebrane poł. głosowe", "Nieodebrane poł. wideo",
        "音声通話不在着信", "ビデオ通話不在着信", "不在着信", "부재중 전화", "부재중 음성통화", "부재중 영상통화",
        "未接語音通話", "未接语音通话", "未接視像通話", "未接视频通话", "未接視訊通話",
    }
)

# -- system lines ---------------------------------------------------------------------------
# Openings of the encryption and security-code notices in the other languages (source: see
# _MEDIA_EXACT); system lines without an actor.
_OTHER_NOTICES = (
    r"Los mensajes y las llamadas están cifrados de extremo a extremo|As mensagens e as chamadas são "
    r"protegidas com a criptografia de ponta a ponta|As mensagens e chamadas são encriptadas ponto a ponto"
    r"|Les messages et les appels sont chiffrés de bout en bout|I messaggi e le chiamate sono crittografati "
    r"end-to-end|Berichten en gesprekken worden end-to-end versleuteld|Mesajlar ve aramalar uçtan uca şifrelidir"
    r"|Pesan dan panggilan (?:terenkripsi|dienkripsi) secara end-to-end|Mesej dan panggilan disulitkan hujung ke hujung"
    r"|الرسائل والمكالمات مشفرة تمامًا بين الطرفين|मैसेजेस और कॉल्स एंड-टू-एंड एन्क्रिप्टेड हैं"
    r"|میسجز اور کالز اینڈ ٹو اینڈ اینکرپشن کے ذریعے محفوظ ہیں|Повідомлення й дзвінки захищено наскрізним шифруванням"
    r"|Wiadomości i połączenia są w pełni zaszyfrowane"
    r"|Cambió tu código de seguridad con |Seu código de segurança com |O seu código de segurança partilhado com "
    r"|Votre code de sécurité avec |Il tuo codice di sicurezza con |Uw beveiligingscode voor |Kode keamanan Anda dengan "
    r"|Kod keselamatan anda dengan |تغيّر رمز أمانك المُستخدَم مع|کد امنیتی شما با |Код безпеки з контактом "
    r"|Twój kod zabezpieczeń z użytkownikiem "
    r"|.+(?: ile aranızdaki güvenlik kodu değişti| के लिए आपका सुरक्षा कोड बदल गया है"
    r"| کے ساتھ آپ کا سیکیورٹی کوڈ تبدیل ہوگیا ہے)"
)
# The notice that opens a group's history ("Messages to this group are now secured with end-to-end
# encryption", group evidence), in the other languages (2026-12-07): WhatsApp's Android strings as collected
# in dezi/ChatMatter @ ba3212ea2fb5, app/src/main/java/de/kappa_mm/email/chatmatter/LanguageTags.java
# (WAGroupInfoEncrypted, WAGroupInfoEncryptedStateChanged); their openings, without and with "now".
_GROUP_NOTICES = (
    r"Messages to this group are (?:now )?secured|Nachrichten an diese Gruppe sind|Сообщения в данной группе"
    r"|Los mensajes en este grupo ahora están protegidos|As mensagens (?:que enviar a|para|enviadas a) este grupo"
    r"|Les messages envoyés dans ce groupe sont|I messaggi inviati a questo gruppo sono"
    r"|Berichten die naar deze groep worden verzonden|Bu gruba gönderdiğiniz mesajlar|Pesan-pesan yang dikirim ke grup ini"
    r"|(?:إن|باتت) الرسائل التي ترسلها إلى هذه المجموعة|इस समूह (?:पर भेजे हुए सन्देश|में भेजे गए संदेश)"
    r"|Mesej-mesej ke grup ini|Wiadomości do tej grupy są|Повідомлення у цій групі|اس گروپ کے پیغامات"
    r"|پیام[\u200c ]?ها به این گروه|このグループへのメッセージは|이 그룹의 메시지는|此群组中的信息|此群組中的訊息"
    r"|(?:כעת )?ההודעות הנשלחות בקבוצה זו|এই গোষ্ঠী(?:তে পাঠানো|র) বার্তা"
)
_YOU = frozenset({"you", "You", "Du", "du", "dich", "Dich", "Вы", "вы", "вас", "Вас", "você", "Você", "vous", "Vous",
                  "U", "u", "Je", "je", "Jij", "jij", "Anda", "anda", "Siz", "siz", "ti", "Ti"})
# (pattern, is group evidence). Named groups: a = actor, n = the people the line names.
_SYS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(p), g)
    for p, g in [
        # English
        (r"^Messages to this group are now secured with end-to-end encryption", True),
        (r"^Messages and calls are end-to-end encrypted", False),
        (r"^Your security code with .+ changed", False),
        (r"^(?P<a>.+?) created group ", True),
        # community groups (2026-12-07): real Android lines quoted in lucasrodes/whatstk issue #147
        # ("X added you to a group in the community: Y", "X joined from the community")
        (r"^(?P<a>.+?) added you to a group in the community(?P<ny>)", True),
        (r"^(?P<a>.+?) joined from the community", True),
        (r"^(?P<a>.+?) added (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) removed (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) left\.?$", True),
        (r"^(?P<a>.+?) joined using this group's invite link", True),
        (r"^(?P<a>.+?) (?:changed|deleted) (?:the subject|the group name|this group's icon|the group description"
         r"|this group's settings|the group icon)", True),
        (r"^(?P<a>You)'re (?:now|no longer) an admin", True),
        (r"^(?P<a>.+?) changed (?:their|your) phone number", False),
        (r"^(?P<a>.+?) (?:updated the message timer|turned (?:on|off) disappearing messages)", False),
        # The encryption and security-code notices in the other languages (see _OTHER_NOTICES)
        (r"^(?:" + _OTHER_NOTICES + ")", False),
        (r"^(?:" + _GROUP_NOTICES + ")", True),
        # German
        (r"^Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt", False),
        (r"^Nachrichten in dieser Gruppe sind jetzt mit Ende-zu-Ende", True),
        (r"^Deine Sicherheitsnummer für .+ hat sich geändert", False),
        (r"^(?P<a>.+?) (?:hast|hat) die Gruppe .+ erstellt\.?$", True),
        (r"^(?P<a>.+?) (?:hast|hat) (?P<n>.+?) hinzugefügt\.?$", True),
        (r"^(?P<a>.+?) (?:hast|hat) (?P<n>.+?) entfernt\.?$", True),
        (r"^(?P<a>.+?) (?:hast|hat) (?:den Gruppennamen|das Gruppenbild|die Gruppenbeschreibung|die Gruppeneinstellungen)", True),
        (r"^(?P<a>.+?) (?:hast die Gruppe verlassen|hat die Gruppe verlassen|bist ausgetreten|ist ausgetreten)\.?$", True),
        (r"^(?P<a>.+?) (?:bist|ist) über den Einladungslink (?:dieser Gruppe )?beigetreten", True),
        (r"^(?P<a>Du) bist (?:jetzt|nicht mehr) Admin", True),
        # Russian
        (r"^Сообщения и звонки защищены сквозным шифрованием", False),
        (r"^Сообщения в этой группе теперь защищены", True),
        (r"^Ваш код безопасности", False),
        (r"^(?P<a>.+?) (?:создали|создал|создала|создал\(а\)) группу", True),
        (r"^(?P<a>.+?) (?:добавили|добавил|добавила|добавил\(а\)) (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) (?:удалили|удалил|удалила|удалил\(а\)) (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) (?:вышли|вышел|вышла|вышел\(а\)|вышел\(-ла\))( из группы)?\.?$", True),
        (r"^(?P<a>.+?) (?:присоединились|присоединился|присоединилась|присоединился\(-ась\)) "
         r"(?:к группе )?(?:по|через) ссылк", True),
        (r"^(?P<a>.+?) (?:изменили|изменил|изменила|изменил\(а\)) (?:тему|название|изображение|описание|настройки) группы", True),
        # Group events in Spanish, Portuguese, French, Italian and Dutch (2026-12-07). Sources:
        # JaydenCJ/chatcarve @ f89810ff397e, src/chatcarve/system.py, its multi-locale catalog (es, de,
        # fr, pt, it, nl, tr: "a créé le groupe", "a ajouté", "a retiré", "a quitté", "a rejoint le
        # groupe via le lien", "criou o grupo", "removeu", "mudou o assunto", "mudou de número", "ha
        # cambiato l'icona del gruppo", "heeft de groep verlaten"); and files of the code index whose
        # repository the index does not name (found by exact-string search; re-checked 2026-12-07,
        # still unnamed): a real Spanish Android export ("se unió usando el enlace de invitación de
        # este grupo", "salió del grupo"); an es/en group-notice table ("creó el grupo", "te añadió",
        # "añadió a", "eliminó a", "Saliste del grupo", "Te uniste ..."); an en/it/id pattern file ("ha creato il
        # gruppo", "ha aggiunto", "ti ha aggiunto", "ha rimosso", "ha abbandonato", "è entrato usando
        # il link d'invito al gruppo", "ha cambiato numero in"; its Indonesian lines are also in the
        # PyPI package wanalyzer 0.5, see Indonesian below); a
        # Dutch WhatsApp merger ("heeft deze groep aangemaakt", "heeft X toegevoegd", "heeft X
        # verwijderd", "is deelnemer geworden via de uitnodigingslink van deze groep", "heeft de
        # groepsafbeelding gewijzigd", "heeft het onderwerp gewijzigd", "heeft een nieuw
        # telefoonnummer"); Portuguese filters of real exports ("entrou usando o link de convite
        # deste grupo", "saiu", "Você criou este grupo", "mudou o ícone deste grupo").
        # Group y: the actor is the user; group ny: the user is named.
        # Spanish
        (r"^(?P<y>Creaste) (?:el grupo|este grupo)", True),
        (r"^(?P<a>.+?) cre[oó] (?:el grupo|este grupo)", True),
        (r"^(?P<y>Te uniste) (?:usando|mediante|con) el enlace de invitaci[oó]n", True),
        (r"^(?P<a>.+?) se uni[oó] (?:usando|mediante|con) el enlace de invitaci[oó]n", True),
        (r"^(?P<a>.+?) te (?:a[ñn]adi[oó]|agreg[oó])(?P<ny>)\.?$", True),
        (r"^(?P<y>A[ñn]adiste|Agregaste) a (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) (?:a[ñn]adi[oó]|agreg[oó]) a (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) te elimin[oó](?P<ny>)\.?$", True),
        (r"^(?P<y>Eliminaste) a (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) elimin[oó] a (?P<n>.+?)\.?$", True),
        (r"^(?P<y>Saliste) del grupo", True),
        (r"^(?P<a>.+?) sali[oó] del grupo", True),
        (r"^(?P<y>Cambiaste) (?:el asunto|el nombre del grupo|la foto del grupo|el [ií]cono|la descripci[oó]n del grupo)", True),
        (r"^(?P<a>.+?) cambi[oó] (?:el asunto|el nombre del grupo|la foto del grupo|el [ií]cono|la descripci[oó]n del grupo)", True),
        (r"^(?P<a>.+?) cambi[oó] su n[uú]mero de tel[eé]fono", False),
        # Portuguese
        (r"^(?P<y>Você) criou (?:o grupo|este grupo)", True),
        (r"^(?P<a>.+?) criou (?:o grupo|este grupo)", True),
        (r"^(?P<a>.+?) entrou usando o link de convite", True),
        (r"^(?P<a>.+?) adicionou (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) removeu (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) saiu\.?$", True),
        (r"^(?P<a>.+?) mudou (?:o assunto|o nome do grupo|a imagem d[oe]s?t?e? grupo|o [ií]cone deste grupo|a descri[cç][aã]o do grupo)", True),
        (r"^(?P<a>.+?) mudou de n[uú]mero", False),
        # French
        (r"^(?P<y>Vous) avez créé le groupe", True),
        (r"^(?P<a>.+?) a créé (?:le groupe|ce groupe)", True),
        (r"^(?P<a>.+?) a rejoint (?:le groupe|ce groupe) (?:via|avec|en utilisant) le lien", True),
        (r"^(?P<a>.+?) vous a ajouté(?:e|\(e\))?(?P<ny>)\.?$", True),
        (r"^(?P<y>Vous) avez ajouté (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) a ajouté (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) a (?:retiré|exclu) (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) a quitté(?: le groupe)?\.?$", True),
        (r"^(?P<a>.+?) a (?:changé|modifié) (?:le sujet|le nom du groupe|l'icône de ce groupe|la description du groupe)", True),
        (r"^(?P<a>.+?) a changé de numéro", False),
        # Italian
        (r"^(?P<y>Hai) creato il gruppo", True),
        (r"^(?P<a>.+?) ha creato il gruppo", True),
        (r"^(?P<a>.+?) (?:è entrat[oa]|si è unit[oa]) (?:usando|tramite) il link d['’]invito", True),
        (r"^(?P<a>.+?) ti ha aggiunto(?P<ny>)\.?$", True),
        (r"^(?P<y>Hai) aggiunto (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) ha aggiunto (?P<n>.+?)\.?$", True),
        (r"^(?P<y>Hai) rimosso (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) ha rimosso (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) (?:ha abbandonato|è uscit[oa])(?: il gruppo)?\.?$", True),
        (r"^(?P<a>.+?) ha cambiato (?:l['’]oggetto|l['’]immagine|l['’]icona del gruppo|la descrizione del gruppo"
         r"|le impostazioni del gruppo)", True),
        (r"^(?P<a>.+?) ha cambiato numero", False),
        # Dutch ("U hebt" / "Je hebt": the user)
        (r"^(?P<a>.+?) (?:heeft|hebt) (?:deze groep|de groep .+) (?:aan)?gemaakt", True),
        (r"^(?P<a>.+?) (?:is deelnemer geworden via de uitnodigingslink|neemt deel via .*uitnodiging)", True),
        (r"^(?P<a>.+?) (?:heeft|hebt) de groep verlaten", True),
        (r"^(?P<a>.+?) (?:heeft|hebt) (?:de groepsafbeelding|het (?:groeps)?onderwerp|de groepsbeschrijving) gewijzigd", True),
        (r"^(?P<a>.+?) (?:heeft|hebt) (?P<n>.+?) toegevoegd\.?$", True),
        (r"^(?P<a>.+?) (?:heeft|hebt) (?P<n>(?!dit bericht).+?) verwijderd\.?$", True),
        (r"^(?P<a>.+?) heeft een nieuw telefoonnummer", False),
        # Turkish (2026-12-07). Sources: real iOS lines quoted in mtln/chat-export issue #16
        # ("X bu grubu oluşturdu", "X sizi ekledi", "X bu grubun simgesini değiştirdi", "X grup adını
        # "9/A" olarak değiştirdi"); JaydenCJ/chatcarve @ f89810ff397e, src/chatcarve/system.py and
        # tests/corpus/tr-tr-android.txt ("grubunu oluşturdu", "X, Emre'yi gruba ekledi", "X gruptan
        # ayrıldı"); "X, Y kişisini ekledi" / "kişisini çıkardı" / "kişisini eklediniz" / "bağlantısıyla
        # katıldı" / "X ayrıldı" as six independent public Turkish export filters match them (exact-string
        # search of the code index, which names the repository of none of them).
        (r"^(?P<y>)(?:Siz )?(?:[Bb]u grubu|[\"“«][^\"”»]*[\"”»] grubunu) oluşturdunuz", True),
        (r"^(?P<a>.+?),? (?:bu grubu|[\"“«][^\"”»]*[\"”»] grubunu) oluşturdu\.?$", True),
        (r"^(?P<a>.+?) grubunu oluşturdu", True),
        (r"^(?P<a>.+?) sizi (?:gruba )?ekledi(?P<ny>)\.?$", True),
        (r"^(?P<y>)(?P<n>.+?) kişisini eklediniz\.?$", True),
        (r"^(?P<a>.+?), (?P<n>.+?) kişisini ekledi\.?$", True),
        (r"^(?P<a>.+?), (?P<n>.+?)(?:['’][^\s'’]+)? (?:gruba|grubuna) ekledi\.?$", True),
        (r"^(?P<y>)(?P<n>.+?) kişisini çıkardınız\.?$", True),
        (r"^(?P<a>.+?), (?P<n>.+?) kişisini çıkardı\.?$", True),
        (r"^(?P<a>.+?) (?:gruptan )?ayrıldı\.?$", True),
        (r"^(?P<a>.+?),? (?:bu grubun |bir grup |grup )?(?:davet )?bağlantısıyla katıldı", True),
        (r"^(?P<a>.+?) (?:bu grubun simgesini|grup simgesini|grup açıklamasını) değiştirdi", True),
        (r"^(?P<a>.+?) grup adını .+ olarak değiştirdi", True),
        # Indonesian (2026-12-07). Source: a real Android export, ums-l200224246/ums-l200224246.github.io
        # @ 5a6a5d3d8132, ipsd/chat.txt ("X membuat grup "…"", "Anda Bergabung Menggunakan Tautan
        # Undangan Grup Ini", "X bergabung menggunakan tautan undangan grup ini", "X menambahkan Y",
        # "X mengubah ikon grup ini"); "X keluar", "X telah bergabung menggunakan tautan undangan grup
        # ini", "X menambahkan Y", "X telah mengganti nomor teleponnya ke nomor baru" (2026-12-07, s5):
        # the PyPI package wanalyzer 0.5 (2020-09; home page rahuladream/Whatsapp-Chat-Analyzer),
        # wanalyzer/chat_decode.py, is_event(), its Indonesian ("# ID") event patterns.
        (r"^(?P<a>.+?) membuat grup", True),
        (r"(?i)^(?P<a>.+?) (?:telah )?bergabung menggunakan tautan undangan grup ini", True),
        (r"^(?P<a>.+?) menambahkan (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) keluar\.?$", True),
        (r"^(?P<a>.+?) mengubah ikon grup ini", True),
        (r"^(?P<a>.+?) telah mengganti nomor teleponnya", False),
        # Polish (2026-12-07, s5). Source: a real Polish Android export of a community group,
        # mgajczewski/paragliding-survey @ 1facc73bb5f8, ballast-fairness-survey/docs/Whatsapp - Ballast
        # free talks.txt ("X utworzył(a) grupę „…”", "Dołączyłeś(-aś) ze społeczności", "X dołączył(a) ze
        # społeczności"), and its 2025-11-10 part @ f988f58dc560 ("Dodano: X", which names no actor).
        # Not seen in a source we can cite: who left, removed, or changed the subject or number.
        (r"^(?P<a>.+?) utworzył\(a\) grupę", True),
        (r"^(?P<y>Dołączyłeś\(-aś\)) ze społeczności", True),
        (r"^(?P<a>.+?) dołączył\(a\) ze społeczności", True),
        (r"^Dodano: (?P<n>.+?)$", True),
        # Arabic (2026-12-07). Source: JaydenCJ/chatcarve @ f89810ff397e, src/chatcarve/system.py
        # ("أنشأ المجموعة", "قام ... بإضافة ...", "غادر"). Names are joined with "و" or "،".
        (r"^(?P<a>.+?) أنشأ المجموعة", True),
        (r"^قام (?P<a>.+?) بإضافة (?P<n>.+?)\.?$", True),
        (r"^(?P<a>.+?) غادر\.?$", True),
        (r"^غادر (?P<a>.+?)\.?$", True),
        # Japanese, Chinese and Korean (2026-12-07). Source: JaydenCJ/chatcarve @ f89810ff397e,
        # src/chatcarve/system.py (ja "グループ…を作成しました", "を追加しました", "を削除しました", "が退出しました",
        # "招待リンクから参加しました", "グループ名を…に変更しました", "グループのアイコンを変更しました", "電話番号を変更しました";
        # zh "建立了群組", "创建了群组", "新增了", "移除了", "退出了", "透過群組邀請連結加入", "通过群邀请链接加入",
        # "更改了群組名稱", "更換了群組圖示"; ko "그룹을 만들었습니다", "님을 추가했습니다", "님을 내보냈습니다",
        # "님이 나갔습니다" (also tests/corpus/ko-kr-ios.txt), "그룹 이름을 …변경했습니다", "번호를 변경했습니다").
        # The actor is the name before the subject particle (ja が, ko 님이) or before the verb (zh);
        # the people named stand before を (ja) or 님을 (ko), after the verb (zh); lists are joined with "、".
        (r"^(?P<a>.+?)がグループ.*を作成しました", True),
        (r"^(?P<a>.+?)が(?P<n>.+?)を追加しました", True),
        (r"^(?P<a>.+?)が(?P<n>.+?)を削除しました", True),
        (r"^(?P<a>.+?)が(?:グループを)?退出しました", True),
        (r"^(?P<a>.+?)が招待リンクから参加しました", True),
        (r"^(?P<a>.+?)がグループ(?:名を.*に|のアイコンを|の説明を)変更しました", True),
        (r"^(?P<a>.+?)が電話番号を変更しました", False),
        (r"^(?P<a>.+?) ?(?:建立了群組|创建了群组)", True),
        (r"^(?P<a>.+?) ?(?:透過群組邀請連結加入|通过群邀请链接加入)", True),
        (r"^(?P<a>.+?) ?新增了 ?(?P<n>.+?)$", True),
        (r"^(?P<a>.+?) ?移除了 ?(?P<n>.+?)$", True),
        (r"^(?P<a>.+?) ?退出了", True),
        (r"^(?P<a>.+?) ?(?:更改了群組名稱|更改了群名|更換了群組圖示)", True),
        (r"^(?P<a>.+?)님이 (?:.+ )?그룹을 만들었습니다", True),
        (r"^(?P<a>.+?)님이 (?P<n>.+?)님을 추가했습니다", True),
        (r"^(?P<a>.+?)님이 (?P<n>.+?)님을 내보냈습니다", True),
        (r"^(?P<a>.+?)님이 나갔습니다", True),
        (r"^(?P<a>.+?)님이 그룹 이름을 .*변경했습니다", True),
        (r"^(?P<a>.+?)님이 (?:전화)?번호를 변경했습니다", False),
    ]
]
# iOS writes some notices as if the chat itself had sent them ("[..] Elon Musk: <LRM>Messages and
# calls are end-to-end encrypted"); only these well-known openings are taken as such.
_IOS_NOTICE = re.compile(
    r"^(?:Messages and calls are end-to-end encrypted|Messages to this group are now secured"
    r"|Your security code with |Nachrichten und Anrufe sind Ende-zu-Ende|Deine Sicherheitsnummer für"
    r"|Сообщения и звонки защищены|Ваш код безопасности|" + _OTHER_NOTICES + "|" + _GROUP_NOTICES +
    r"|.+ changed (?:their phone number|the subject|the group (?:name|description|icon)|this group's icon)"
    r"|.+ created group |.+ (?:added|removed) .+|.+ left$|.+ joined using this group's invite link"
    r"|You're now an admin)"
)
_SPLIT_NAMES = re.compile(r", | and | und | и | y | e | et | en | ve | dan |، | و |、")

# "WhatsApp Chat with X", "WhatsApp Chat - X" (iOS zip), " (1)" copies, and the Android file name in the
# other languages (2026-12-07): the e-mail subject WhatsApp also gives the .txt, one per Android locale, as
# collected in dezi/ChatMatter @ 24cc16bf6543, app/src/main/java/de/kappa_mm/email/chatmatter/
# LanguageTags.java (WASubject). Until then only en, de, ru, es, pt-BR, fr and it names were read: a chat
# exported in Dutch, Turkish, Hindi, ... got no name, and so no "the other side is you".
_CHAT_NAME_FORMS = (
    ("WhatsApp Chat with ", ""), ("WhatsApp Chat - ", ""), ("WhatsApp Chat mit ", ""), ("WhatsApp-Chat mit ", ""),
    ("Чат WhatsApp с ", ""), ("Chat de WhatsApp con ", ""), ("Conversa do WhatsApp com ", ""),
    ("Conversa no WhatsApp com ", ""), ("Discussion WhatsApp avec ", ""), ("Chat WhatsApp con ", ""),
    ("WhatsApp-chat met ", ""), ("", " ile WhatsApp Sohbeti"), ("Chat WhatsApp dengan ", ""),
    ("Sembang WhatsApp dengan ", ""), ("دردشة واتساب مع ", ""), ("", " के साथ WhatsApp चैट"),
    ("", " کے ساتھ WhatsApp بات چیت"), ("گفتگوی WhatsApp با ", ""), ("Бесіда WhatsApp з ", ""), ("Czat WhatsApp z ", ""),
    ("", "とのWhatsAppチャット"), ("", "님과의 WhatsApp 대화"), ("WhatsApp 与 ", " 的对话"), ("WhatsApp 與 ", " 的對話"),
    ("צ'אט WhatsApp עם ", ""), ("", " এর সাথে WhatsApp চ্যাট"), ("Trò chuyện WhatsApp với ", ""), ("แชท WhatsApp กับ ", ""),
    ("Conversație WhatsApp cu ", ""), ("WhatsApp-chatt med ", ""), ("WhatsApp-samtale med ", ""), ("WhatsApp chat med ", ""),
    ("WhatsApp-keskustelu henkilön ", " kanssa"), ("Chat WhatsApp s uživatelem ", ""), ("WhatsApp csevegés vele: ", ""),
    ("Συνομιλία WhatsApp με ", ""), ("WhatsApp Чат с ", ""), ("Xat de WhatsApp amb ", ""), ("WhatsApp razgovor s ", ""),
)
_CHAT_NAME = [re.compile("^" + re.escape(a) + "(?P<n>.+?)" + re.escape(b) + "$") for a, b in _CHAT_NAME_FORMS]
_COPY = re.compile(r" \(\d+\)$")

_MAX_TEXT_LINES = 10_000
_SEQ_LIMIT = 100_000
_BUFFER_BYTES = 2 * 1024 * 1024


def chat_name_from_filename(name: str) -> str | None:
    """The chat name in an export's file or folder name, or None.

    >>> chat_name_from_filename("WhatsApp Chat with Ada Lovelace.txt")
    'Ada Lovelace'
    >>> chat_name_from_filename("WhatsApp Chat - Book club (1).zip")
    'Book club'
    >>> chat_name_from_filename("Ayşe ile WhatsApp Sohbeti.txt")
    'Ayşe'
    """
    stem = PurePosixPath(name).name
    for ext in (".txt", ".zip"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = _COPY.sub("", stem.strip())
    for pat in _CHAT_NAME:
        m = pat.match(stem)
        if m is not None:
            return m.group("n").strip()
    return None


def classify_system(text: str) -> tuple[str | None, list[str], bool]:
    """``(actor, named people, is group evidence)`` for a system line's text.

    ``actor`` is a name, ``"you"`` for the user, or None. Unknown lines give ``(None, [], False)``.

    >>> classify_system("Dmitry S added you")
    ('Dmitry S', ['you'], True)
    >>> classify_system('Du hast Mallory hinzugefügt.')
    ('you', ['Mallory'], True)
    """
    for pat, group in _SYS:
        m = pat.match(text)
        if m is None:
            continue
        d = m.groupdict()
        a = "you" if d.get("y") is not None else d.get("a")
        if a is not None:
            a = a.strip()
            if a[:1] == "~":  # a name WhatsApp shows with "~ " (not in the phone's contacts), as for authors
                a = a.lstrip("~").strip()
            if a in _YOU:
                a = "you"
            elif any(q in a for q in _QUOTES) or len(a) > 80:
                continue  # "actor" swallowed a quoted subject: not this pattern
        named: list[str] = ["you"] if d.get("ny") is not None else []
        n = d.get("n")
        if n:
            for part in _SPLIT_NAMES.split(n.strip()):
                part = part.strip().lstrip("~").strip()
                if part:
                    named.append("you" if part in _YOU else part)
        return a, named, group
    return None, [], False


def _clean(line: str) -> str:
    for mk in _MARKS:
        if mk in line:
            line = line.replace(mk, "")
    return line


def _parse_time(g: tuple[str | None, ...]) -> tuple[int, int, int] | None:
    """``(h, m, s)`` from the stamp's groups, or None if impossible (see module doc on AM/PM)."""
    h, mi = int(g[5]), int(g[6])  # type: ignore[arg-type]
    s = int(g[7]) if g[7] else 0
    ap = g[8]
    if ap is not None and 0 < h <= 12:  # hour 0 or above 12 ignores the marker (see module doc)
        if ap in "aA":
            if h == 12:
                h = 0
        elif h != 12:
            h += 12
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s


def _day(a: int, b: int, c: int, order: str) -> tuple[datetime, int] | None:
    """Midnight (UTC) of the date and its first second counted from year 1, or None if impossible."""
    if order == "ymd":
        y, mo, d = a, b, c
    elif order == "dmy":
        d, mo, y = a, b, c
    else:
        mo, d, y = a, b, c
    if y < 100:
        y += 2000
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    return datetime(y, mo, d, tzinfo=_UTC), day.toordinal() * 86400


_MINUTES = [timedelta(minutes=i) for i in range(24 * 60)]
_SECONDS = [timedelta(seconds=i) for i in range(60)]


class _Scan:
    """What the first pass learns about one chat file (counters only: memory stays bounded)."""

    __slots__ = (
        "max_a", "max_b", "year_first", "sep", "ampm", "fwd_dmy", "fwd_mdy", "authors", "named",
        "group", "you_deleted", "ios_name", "headers", "first", "lines", "lrm", "lrm_text", "notice_authors",
    )

    def __init__(self) -> None:
        self.max_a = self.max_b = 0
        self.year_first = False
        self.sep = ""
        self.ampm = False
        self.fwd_dmy = self.fwd_mdy = 0  # date changes that run forward in time, per order
        self.authors: dict[str, int] = {}
        self.named: dict[str, None] = {}
        self.group = False
        self.you_deleted: str | None = None
        self.ios_name: str | None = None
        self.headers = 0
        self.first: tuple[str, str, str] | None = None  # (stamp, author, text) of the first message with an author
        self.lines: dict[str, int] = {}  # lines per author
        self.lrm: dict[str, int] = {}  # ... of them whose text came after an LRM (iOS notices, media)
        self.lrm_text: dict[str, int] = {}  # ... and was not a media placeholder we know
        self.notice_authors: set[str] = set()

    def find_notice_authors(self, chat_name: str | None) -> None:
        """iOS writes a chat's notices under the chat's own name, each text after an LRM, in the
        phone's language ("[..] Lunch: <LRM>Ana creó el grupo"). An author all of whose lines are
        such texts, one of them at least no media placeholder, is the chat itself, not a person
        (when the file names the chat, only that name can be). Language-independent (2026-12)."""
        for a, n in list(self.authors.items()):
            if self.lrm.get(a, 0) == n and self.lrm_text.get(a, 0) and (chat_name is None or a == chat_name):
                self.notice_authors.add(a)
                del self.authors[a]
                if self.ios_name is None:
                    self.ios_name = a
                self.group = True  # notices that are no known encryption or security notice: group events

    def order(self) -> str:
        if self.year_first:
            return "ymd"
        if self.max_a > 12:
            return "dmy"
        if self.max_b > 12:
            return "mdy"
        if abs(self.fwd_dmy - self.fwd_mdy) >= 2:  # a clear majority of date changes run forward
            return "dmy" if self.fwd_dmy > self.fwd_mdy else "mdy"
        return "mdy" if (self.sep == "/" and self.ampm) else "dmy"


def _is_media(text: str) -> bool:
    """True for a media placeholder (``<Media omitted>``, ``image omitted``, ``<attached: ...>``, ...)."""
    return text in _MEDIA_EXACT or (text.endswith(")") and _FILE_ATTACHED.search(text) is not None) or (
        text.endswith(">") and _ATTACHED.search(text) is not None) or (
        text.endswith(("omitted", "weggelassen", "ausgelassen", "отсутствует", "пропущено", "опущено", "omitida",
                       "omitido", "ocultada", "absente", "omis", "omessa", "omesso", "weggelaten"))
        and _MEDIA_SUFFIX.search(text) is not None)


def _looks_whatsapp(head: bytes) -> bool:
    text = decode_head(head)  # UTF-16 and Latin-1 exports too
    lines = text.splitlines()[:12]
    if len(lines) > 1 and not head.endswith((b"\n", b"\r")):
        lines = lines[:-1]
    return any(_HEAD.match(_local_stamp(_clean(ln))) for ln in lines)


@register
class WhatsAppImporter(Importer):
    name = "whatsapp"
    channel = "whatsapp"
    version = "6"  # 2 (2026-12): notices in any language, ids of nameless chats from their first message; 3: group events (actors, named people) in es, pt, fr, it, nl, tr, id
    # 4 (2026-12-07): Turkish and Indonesian group events completed, Arabic ones; iOS events written under their actor's name
    # 5 (2026-12-07): ja/zh/ko group events and Korean/Chinese stamps; chat names from Android file names in 35
    # languages; the group notice (22) and "(file attached)" (35) in the other languages; the Persian media placeholder
    # 6 (2026-12-07, s5): Polish group events and "<Pominięto multimedia>"; community events ("Dodano: X", "X added you
    # to a group in the community: Y" were messages of people named "Dodano" / "X added you to a ..."); the note
    # after an edited message (English, Polish) is no longer part of its text
    description = "WhatsApp chat export: the .txt, the app's .zip (_chat.txt + media), or a folder of them"
    reads_zips_in_folder = True  # see _nested_zips
    settings = ("timezone", "region", "me")  # clock times carry no zone

    # -- finding the chats
    def _chat_files(self, tree: InputTree) -> list[str]:
        out = []
        for n in sorted(tree.names()):
            if n.lower().endswith(".txt"):
                try:
                    if _looks_whatsapp(tree.head(n, 4096)):
                        out.append(n)
                except OSError:
                    continue
        return out

    def _nested_zips(self, tree: InputTree) -> list[str]:
        if not isinstance(tree, DirTree):
            return []
        return sorted(n for n in tree.names() if n.lower().endswith(".zip"))

    def detect(self, tree: InputTree) -> int:
        txts = [n for n in tree.names() if n.lower().endswith(".txt")]
        named = any(PurePosixPath(n).name == "_chat.txt" or chat_name_from_filename(n) for n in txts)
        for n in sorted(txts, key=lambda n: (not (PurePosixPath(n).name == "_chat.txt" or chat_name_from_filename(n)), n))[:20]:
            if _looks_whatsapp(tree.head(n, 4096)):
                return 9 if named else 7
        if isinstance(tree, DirTree):
            for z in self._nested_zips(tree)[:5]:
                try:
                    zt = ZipTree(tree.local_path(z))
                except Exception:
                    continue
                try:
                    if any(_looks_whatsapp(zt.head(n, 4096)) for n in zt.names() if n.lower().endswith(".txt")):
                        return 7
                finally:
                    zt.close()
        return 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        idents: dict[str, Ident] = {}
        for member in self._chat_files(tree):
            yield from self._read_chat(tree, member, tree.path.name, ctx, idents)
        for z in self._nested_zips(tree):
            try:
                zt = ZipTree(tree.local_path(z))  # type: ignore[attr-defined]
            except Exception as e:  # an unreadable or hostile zip is reported, the rest goes on
                yield BadRecord(z, f"zip not read: {e}")
                continue
            zt.tick = tree.tick
            try:
                for member in self._chat_files(zt):
                    yield from self._read_chat(zt, member, PurePosixPath(z).name, ctx, idents, prefix=z + "/")
            finally:
                zt.close()

    # -- one chat
    def _ident(self, name: str, ctx: ImportContext, cache: dict[str, Ident]) -> Ident:
        ident = cache.get(name)
        if ident is None:
            phone = normalize_phone(name, ctx.region) if _PHONE.match(name) else None
            ident = Ident("phone", "phone", phone) if phone else Ident("whatsapp", "name", name, name)
            cache[name] = ident
        return ident

    def _entries(self, tree: InputTree, member: str, progress: bool = True) -> Iterator[tuple]:
        """The file's messages as ``(line, stamp, stamp groups, author, text, iOS notice, more lines)``.

        ``author`` is None for a system line; ``stamp`` is None for text before the first stamp.
        """
        tick = tree.tick
        if not progress:
            tree.tick = None  # a first pass does not count as progress
        try:
            stream = tree.open(member)
        finally:
            tree.tick = tick
        head = _HEAD.match
        cur: tuple | None = None
        extra: list[str] = []
        lineno = 0
        with stream:
            for line in iter_lines(stream):
                lineno += 1
                if line.isascii():
                    had_lrm = lrm_text = False
                else:
                    had_lrm = "\u200e" in line
                    lrm_text = had_lrm and ": \u200e" in line  # iOS puts an LRM before notices and media
                    line = _clean(line)
                m = head(line)
                if m is None and not line.isascii():  # an Arabic, Korean or Chinese stamp? (else the line stays as it is)
                    western = _local_stamp(line)
                    if western is not line:
                        m = head(western)
                        if m is not None:
                            line = western
                if m is None:
                    if cur is not None:
                        if len(extra) < _MAX_TEXT_LINES:
                            extra.append(line.rstrip("\r\n"))
                    elif line.strip():
                        cur = (lineno, None, None, None, line, False, extra)
                        yield cur  # text before the first stamp (reported once)
                    continue
                if cur is not None and cur[1] is not None:
                    yield cur
                rest = line[m.end() :].rstrip("\r\n")
                # author and text; an author in quotes or over 100 characters is a system line's subject
                i = rest.find(": ")
                if i > 0 and _COLON_NOTICE.match(rest) is None:
                    author: str | None = rest[:i]
                    text = rest[i + 2 :]
                elif rest.endswith(":") and len(rest) > 1:
                    author, text = rest[:-1], ""
                else:
                    author, text = None, rest
                if author is not None:
                    if i > 100 or '"' in author or (not author.isascii() and _QUOTE_RE.search(author)):
                        author, text = None, rest  # a system line whose quoted subject holds ": "
                    elif author[0] in "~ " or author[-1] == " ":
                        author = author.strip().lstrip("~").strip()
                # 2: a known iOS notice; 1: text after an LRM, a notice if its author turns out to be the chat itself;
                # 3: a group event that iOS writes under its actor's own name ("[..] Ana: Ana bu grubu oluşturdu",
                # mtln/chat-export issue #16; "[..] Boris: Boris created group", Pustur/whatsapp-chat-parser #258)
                notice = 0
                if author is not None and m.group(1) is not None:
                    if had_lrm:
                        notice = 2 if _IOS_NOTICE.match(text) is not None else (1 if lrm_text else 0)
                    # (no separator after the name: "지민님이 나갔습니다", "小明退出了")
                    if notice != 2 and text.startswith(author):
                        a, _, grp = classify_system(text)
                        if grp and a == author:
                            notice = 3
                extra = []
                cur = (lineno, m.group(0), m.groups(), author, text, notice, extra)
            if cur is not None and cur[1] is not None:
                yield cur

    def _scan(self, entries: Iterator[tuple], keep: list | None) -> _Scan:
        """Learn the date order and the participants; keep the entries in ``keep`` if given."""
        sc = _Scan()
        authors = sc.authors
        prev_date: tuple[int, int, int] | None = None
        prev_key: tuple[str, ...] | None = None
        for e in entries:
            if keep is not None:
                keep.append(e)
            g = e[2]
            if g is None:
                continue
            sc.headers += 1
            key = (g[1], g[3], g[4])
            if key != prev_key:
                prev_key = key
                a, b, c = int(key[0]), int(key[1]), int(key[2])
                if not sc.sep:
                    sc.sep = g[2]
                    sc.year_first = len(key[0]) == 4
                if a <= 31 and b <= 31 and not (a > 12 and b > 12):
                    if a > sc.max_a:
                        sc.max_a = a
                    if b > sc.max_b:
                        sc.max_b = b
                    if prev_date is not None:
                        pa, pb, pc = prev_date
                        sc.fwd_dmy += (c, b, a) > (pc, pb, pa)
                        sc.fwd_mdy += (c, a, b) > (pc, pa, pb)
                    prev_date = (a, b, c)
            if not sc.ampm and g[8] is not None:
                sc.ampm = True
            if sc.first is None and e[3] is not None and not e[5]:  # the first message (notices are in the UI's language)
                sc.first = ("".join(ch for ch in e[1] if ch.isdigit()), e[3], e[4])  # 18/03/2022 = 18.03.2022
            author = e[3]
            if author is not None and e[5] < 2:
                sc.lines[author] = sc.lines.get(author, 0) + 1
                if e[5] == 1:
                    sc.lrm[author] = sc.lrm.get(author, 0) + 1
                    t = e[4]
                    if not (_is_media(t) or t in _DELETED or t in _YOU_DELETED or t in _CALLS):  # iOS writes these after an LRM too
                        sc.lrm_text[author] = sc.lrm_text.get(author, 0) + 1
            if author is None or e[5] >= 2:
                actor, named, group = classify_system(e[4])
                if group:
                    sc.group = True
                if author is not None and e[5] == 2:  # an iOS notice under the chat's own name
                    if sc.ios_name is None and actor != author:
                        sc.ios_name = author
                    elif actor == author:
                        sc.named.setdefault(author)
                elif actor and actor != "you":
                    sc.named.setdefault(actor)
                for n in named:
                    if n != "you":
                        sc.named.setdefault(n)
                continue
            count = authors.get(author)
            authors[author] = 1 if count is None else count + 1
            if sc.you_deleted is None and e[4] in _YOU_DELETED:
                sc.you_deleted = author
        return sc

    def _read_chat(
        self,
        tree: InputTree,
        member: str,
        container: str,
        ctx: ImportContext,
        idents: dict[str, Ident],
        prefix: str = "",
    ) -> Iterator[Record]:
        where = prefix + member
        # Files up to _BUFFER_BYTES are read once and kept; bigger ones are read twice (first pass:
        # counters only), so memory stays bounded whatever the size of the chat.
        keep: list | None = [] if tree.size(member) <= _BUFFER_BYTES else None
        try:
            sc = self._scan(self._entries(tree, member, progress=keep is not None), keep)
        except InputError as e:
            yield BadRecord(where, str(e))
            return
        if not sc.headers:
            for entry in keep or ():
                yield BadRecord(f"{where} line {entry[0]}", "text without a timestamp before it")
            return
        order = sc.order()

        # The chat's name: from the file name, the folder or zip around _chat.txt, the iOS notices.
        base = PurePosixPath(member)
        chat_name = chat_name_from_filename(base.name)
        if chat_name is None and base.stem.lower() in ("_chat", "chat"):
            outer = base.parent.name if base.parent.name else container
            chat_name = chat_name_from_filename(outer)
        sc.find_notice_authors(chat_name)
        if chat_name is None:
            chat_name = sc.ios_name
        if chat_name is not None:
            thread = content_id("whatsapp-chat", chat_name)
        else:
            # No name: the chat's first message with an author names it. A later, longer export of the
            # same chat starts with the same message, whoever joined since, in whatever UI language
            # (until 2026-12 the set of authors named it, so a new sender made every message new again).
            thread = content_id("whatsapp-first", *(sc.first or ("", "", "")))

        # Who is the user.
        people: dict[str, None] = dict.fromkeys(sc.authors)
        for n in sc.named:
            people.setdefault(n)
        self_name: str | None = None
        evidence: str | None = None
        for name in people:
            if ctx.is_self(self._ident(name, ctx, idents)):
                self_name = name
                break
        if self_name is None and sc.you_deleted is not None:
            self_name = sc.you_deleted
            evidence = f"whatsapp: wrote 'You deleted this message' in {where}"
        private = not sc.group and len(people) <= 2
        if self_name is None and private and chat_name and len(sc.authors) == 2 and chat_name in sc.authors:
            self_name = next(a for a in sc.authors if a != chat_name)
            evidence = f"whatsapp: the other side of the 1:1 chat with {chat_name} ({where})"
        self_ident: Ident | None = None
        if self_name is not None:
            self_ident = self._ident(self_name, ctx, idents)
            if evidence:
                yield SelfIdentity(self_ident, evidence)
        else:
            mine = sorted((i for i in ctx.self_idents if i.channel == "whatsapp" and i.kind == "name"), key=lambda i: i.value)
            mine = mine or sorted((i for i in ctx.self_idents if i.kind == "phone"), key=lambda i: i.value)
            # the user is in every chat they export; but a private chat with two authors already
            # holds the user (under a name closeknit was not told), so no one is added there
            if mine and (not private or len(people) < 2):
                self_ident = Ident(mine[0].channel, mine[0].kind, mine[0].value, mine[0].name)
        visibility = "private" if private else "group"

        members = [self._ident(n, ctx, idents) for n in people]
        if self_ident is not None and self_ident not in members and all(i.id != self_ident.id for i in members):
            members.append(self_ident)
        recips: dict[str, tuple[tuple[Ident, str], ...]] = {}

        def recipients(name: str) -> tuple[tuple[Ident, str], ...]:
            r = recips.get(name)
            if r is None:
                me = self._ident(name, ctx, idents).id
                r = recips[name] = tuple((i, "recipient") for i in members if i.id != me)
            return r

        entries = keep if keep is not None else self._entries(tree, member)
        try:
            yield from self._emit(entries, where, order, thread, visibility, self_ident, recipients, ctx, idents,
                                  sc.notice_authors)
        except InputError as e:
            yield BadRecord(where, str(e))

    def _emit(self, entries, where, order, thread, visibility, self_ident, recipients, ctx, idents,
              notice_authors=frozenset()) -> Iterator[Record]:
        dates: dict[tuple[str, str, str], tuple[datetime, int] | None] = {}
        stamps: dict[str, tuple[datetime | None, str]] = {}
        seq: dict[str, int] = {}
        actors: dict[str, tuple[Ident, tuple[tuple[Ident, str], ...]]] = {}
        ident = self._ident
        prefix = thread + "\x1f"
        zone = ZoneInfo(ctx.tz) if ctx.tz else None

        for lineno, stamp, g, author, text, notice, extra in entries:
            if stamp is None:
                yield BadRecord(f"{where} line {lineno}", "text without a timestamp before it")
                continue
            notice = notice >= 2 or (notice == 1 and author in notice_authors)
            got = stamps.get(stamp)
            if got is None:
                dk = (g[1], g[3], g[4])
                if dk in dates:
                    day = dates[dk]
                else:
                    day = dates[dk] = _day(int(dk[0]), int(dk[1]), int(dk[2]), order)
                hms = _parse_time(g)
                if day and hms:
                    minute = hms[0] * 60 + hms[1]
                    # the time key is the second since year 1: cheap, and the same for any layout
                    wall = day[0] + _MINUTES[minute] + _SECONDS[hms[2]]
                    if zone is not None:  # the wall clock of the user's zone -> UTC (cached per stamp)
                        wall = wall.replace(tzinfo=zone).astimezone(_UTC)
                    got = (wall, str(day[1] + minute * 60 + hms[2]))
                else:
                    got = (None, "")
                if len(stamps) > 4096:
                    stamps.clear()
                stamps[stamp] = got
            ts, tkey = got
            if ts is None:
                # the message and its continuation lines are skipped together
                yield BadRecord(f"{where} line {lineno}", f"impossible date or time {stamp.strip(' -[]')!r}", stamp + text)
                continue
            if extra:
                while extra and not extra[-1].strip():
                    extra.pop()
            raw = "\n".join([text, *extra]) if extra else text
            # native id == content_id(thread, time, author, text), inlined: this runs once per message
            key = blake2b(
                (prefix + tkey + "\x1f" + (author if author is not None and not notice else "") + "\x1f" + raw).encode(
                    "utf-8", "surrogatepass"
                ),
                digest_size=12,
            ).hexdigest()
            n = seq.get(key)
            if n is None:
                seq[key] = 1
                if len(seq) > _SEQ_LIMIT:
                    seq.clear()
            else:
                seq[key] = n + 1
                key = f"{key}#{n}"
            if author is None or notice:
                actor_name, named, _ = classify_system(text)
                actor = (self_ident if actor_name == "you" else ident(actor_name, ctx, idents)) if actor_name else None
                parts = tuple(
                    (self_ident if nm == "you" else ident(nm, ctx, idents), "subject")
                    for nm in named
                    if nm != "you" or self_ident is not None
                )
                yield Interaction(key, "system", "whatsapp", ts, actor, parts, visibility, thread, None, raw)
                continue
            kind = "message"
            body: str | None = raw
            if _is_media(text):
                body = "\n".join(extra) if extra else None
            elif text in _DELETED or text in _YOU_DELETED:
                body = None
            elif text in _CALLS and not extra:
                kind, body = "call", None
            elif not raw:
                body = None
            elif raw[-1] == ">":
                body = _EDITED.sub("", raw) or None
            who = actors.get(author)
            if who is None:
                who = actors[author] = (ident(author, ctx, idents), recipients(author))
            yield Interaction(key, kind, "whatsapp", ts, who[0], who[1], visibility, thread, None, body)
