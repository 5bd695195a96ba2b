"""The form pages' own words in English and Turkish, and picking the visitor's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Texts = Mapping[str, str]

CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "required": "This field is required.",
        "must_tick": "Tick this box to continue.",
        "not_text": "Enter text here.",
        "too_long": "Use at most {n} characters.",
        "bad_email": "Enter a valid email address, like name@example.com.",
        "bad_number": "Enter a number, like 42 or 3.5.",
        "bad_date": "Enter a date as YYYY-MM-DD.",
        "bad_choice": "Choose one of the options.",
        "bad_pattern": "Enter a value in the requested format.",
        "label_name": "Your name",
        "label_email": "Email address",
        "label_subject": "Subject",
        "label_message": "How can we help?",
        "label_category": "Topic",
        "choose": "Choose…",
        "required_mark": "(required)",
        "your_details": "Your details",
        "your_request": "Your request",
        "attachments": "Attachments",
        "attachments_hint": "Up to {n} files, at most {size} each. Allowed: {types}.",
        "attachments_again": "Choose your files again: for your safety they are not kept "
        "when the form is shown again.",
        "honeypot": "Leave this field empty",
        "send": "Send request",
        "problem": "There is a problem",
        "error_prefix": "Error:",
        "too_many_files": "Attach at most {n} files.",
        "file_too_big": "{file}: the file is larger than {size}.",
        "file_type": "{file}: this type of file is not accepted. Allowed: {types}.",
        "file_mismatch": "{file}: the file's contents do not match its type.",
        "file_empty": "{file}: the file is empty.",
        "expired": "This form has expired. Check your answers and send it again.",
        "thanks_title": "Thank you, we received your request",
        "thanks_number": "Your ticket number is",
        "thanks_email": "We are sending a confirmation to {email}. Reply to that email to "
        "add anything to your request.",
        "thanks_keep": "Keep this number: quote it when you contact us about this request.",
        "new_request": "Send another request",
        "rate_limited": "You have sent too many requests in a short time. Try again in {minutes} "
        "minutes.",
        "too_large": "The upload is too large. Attach at most {n} files of {size} each.",
        "bad_request": "We could not read what was sent. Reload the form and try again.",
        "spam": "Your request could not be accepted.",
        "not_found": "This form does not exist or is closed.",
        "forbidden_origin": "This site may not send requests to this form.",
        "unsupported": "Send the form as multipart/form-data or application/json.",
        "ticket_subject": "[#{number}] We received your request: {subject}",
        "ticket_text": "Hello {name},\n\nThank you for contacting us. Your request is ticket "
        "#{number}.\n\n{quote}\n\nReply to this email to add anything to your request; keep "
        "[#{number}] in the subject.\n",
        "confirm_title": "Confirmation",
        "language": "Language",
    },
    "tr": {
        "required": "Bu alan zorunludur.",
        "must_tick": "Devam etmek için bu kutuyu işaretleyin.",
        "not_text": "Buraya metin girin.",
        "too_long": "En fazla {n} karakter kullanın.",
        "bad_email": "Geçerli bir e-posta adresi girin, örneğin ad@ornek.com.",
        "bad_number": "Bir sayı girin, örneğin 42 veya 3,5.",
        "bad_date": "Tarihi YYYY-AA-GG biçiminde girin.",
        "bad_choice": "Seçeneklerden birini seçin.",
        "bad_pattern": "Değeri istenen biçimde girin.",
        "label_name": "Adınız",
        "label_email": "E-posta adresi",
        "label_subject": "Konu",
        "label_message": "Size nasıl yardımcı olabiliriz?",
        "label_category": "Başlık",
        "choose": "Seçin…",
        "required_mark": "(zorunlu)",
        "your_details": "Bilgileriniz",
        "your_request": "Talebiniz",
        "attachments": "Ekler",
        "attachments_hint": "En fazla {n} dosya, her biri en fazla {size}. İzin verilenler: "
        "{types}.",
        "attachments_again": "Dosyalarınızı yeniden seçin: güvenliğiniz için form yeniden "
        "gösterildiğinde saklanmazlar.",
        "honeypot": "Bu alanı boş bırakın",
        "send": "Talebi gönder",
        "problem": "Bir sorun var",
        "error_prefix": "Hata:",
        "too_many_files": "En fazla {n} dosya ekleyin.",
        "file_too_big": "{file}: dosya {size} boyutundan büyük.",
        "file_type": "{file}: bu dosya türü kabul edilmiyor. İzin verilenler: {types}.",
        "file_mismatch": "{file}: dosyanın içeriği türüyle uyuşmuyor.",
        "file_empty": "{file}: dosya boş.",
        "expired": "Bu formun süresi doldu. Yanıtlarınızı kontrol edip yeniden gönderin.",
        "thanks_title": "Teşekkürler, talebinizi aldık",
        "thanks_number": "Talep numaranız",
        "thanks_email": "{email} adresine bir onay gönderiyoruz. Talebinize ekleme yapmak için "
        "bu e-postayı yanıtlayın.",
        "thanks_keep": "Bu numarayı saklayın: bu talep hakkında bize yazarken belirtin.",
        "new_request": "Yeni bir talep gönder",
        "rate_limited": "Kısa sürede çok fazla talep gönderdiniz. {minutes} dakika sonra yeniden "
        "deneyin.",
        "too_large": "Yükleme çok büyük. Her biri en fazla {size} olan en fazla {n} dosya ekleyin.",
        "bad_request": "Gönderilenleri okuyamadık. Formu yeniden yükleyip tekrar deneyin.",
        "spam": "Talebiniz kabul edilemedi.",
        "not_found": "Bu form yok ya da kapatıldı.",
        "forbidden_origin": "Bu site bu forma talep gönderemez.",
        "unsupported": "Formu multipart/form-data veya application/json olarak gönderin.",
        "ticket_subject": "[#{number}] Talebinizi aldık: {subject}",
        "ticket_text": "Merhaba {name},\n\nBize ulaştığınız için teşekkürler. Talebinizin "
        "numarası #{number}.\n\n{quote}\n\nTalebinize ekleme yapmak için bu e-postayı "
        "yanıtlayın; konu satırındaki [#{number}] ifadesini silmeyin.\n",
        "confirm_title": "Onay",
        "language": "Dil",
    },
}


def texts(language: str) -> Texts:
    return CATALOG.get(language, CATALOG["en"])


def localise(values: Mapping[str, str], language: str, fallback: str = "") -> str:
    """The text for `language` from a per-language mapping ("*" applies to all)."""
    for key in (language, "*", "en", *values.keys()):
        if values.get(key):
            return values[key]
    return fallback


def negotiate(
    asked: str | None, accept_language: str | None, offered: Sequence[str], default: str
) -> str:
    """The language to serve: `?lang=` if offered, else the best Accept-Language match."""
    if asked in offered:
        return str(asked)
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in offered and quality > 0:
            ranked.append((-quality, index, primary))
    if ranked:
        return min(ranked)[2]
    return default if default in offered else offered[0]


def human_size(size: int, language: str) -> str:
    """1.5 MB / 1,5 MB: sizes as people read them."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            text = f"{size / factor:.1f}".removesuffix(".0")
            return (text.replace(".", ",") if language == "tr" else text) + f" {unit}"
    return f"{size} B"
