"""Input checks; each refusal raises ValidationError naming the field in Chinese."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from lib.errors import FormErrors, ValidationError

# GB 32100-2015: 31 characters (no I, O, Z, S, V) and weights for the 18th, check, character.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
QQ_RE = re.compile(r"^[1-9][0-9]{4,11}$")
MAX_AMOUNT = Decimal("999999999999.99")  # what a Money column (14 digits, 2 decimals) holds
# Full-width digits, letters and the ideographic space, as Chinese input methods type them.
_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")


def collect(checks: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run every check of a form and return the cleaned values; if any refuse, refuse with all of them (one
    error as itself, several as FormErrors), so the user sees every field to fix after one submit."""
    values, errors = {}, []
    for key, check in checks.items():
        try:
            values[key] = check()
        except ValidationError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FormErrors(errors)
    return values


def clean(value: object, field: str, *, fold: bool = False) -> str:
    """The one way in for typed text, before any check: NUL is refused; full-width digits and letters
    become ASCII (everything NFKC-folded when `fold`, for codes, numbers, phones and addresses of mail;
    free text keeps its Chinese punctuation); zero-width, bidirectional and control characters go
    (a line break stays, a tab becomes a space)."""
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        raise ValidationError(field, "含有不允许的字符")
    if fold:
        text = unicodedata.normalize("NFKC", text)
    else:
        text = _FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def scrub(value: object, *, fold: bool = True) -> str:
    """`clean` for what is only looked up, never stored (search boxes, query parameters): NUL is dropped."""
    return clean(str(value or "").replace("\x00", ""), "", fold=fold).strip()


VOUCHER_NUMBER_RE = re.compile(r"^[0-9]{1,12}$")


def voucher_number(value: object) -> str | None:
    """A voucher number from a link or a form (全角 digits allowed), or None if it cannot be one."""
    number = scrub(value)
    return number if VOUCHER_NUMBER_RE.match(number) else None


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code(value: str | None, field: str = "统一社会信用代码") -> str:
    code = required(clean(value, field, fold=True) if value is not None else None, field).upper().replace(" ", "")
    if len(code) != 18:
        raise ValidationError(field, f"应为18位，当前为{len(code)}位")
    if not _CREDIT_RE.match(code):
        raise ValidationError(field, "含有不允许的字符（不使用I、O、Z、S、V）或格式不正确")
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(field, "校验位不正确，请核对")
    return code


# GB 11714-1997: positions 9–17 of a credit code are the 组织机构代码, 8 characters and a check character.
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ORG_CODE_WARNING = ("第9至17位（组织机构代码）未通过GB 11714校验。2015年以前赋码的部分企业确实如此，"
                    "不影响发放；请与营业执照核对")


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character of an 8-character organization code (digits, then A=10 … Z=35)."""
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_warning(code: str) -> str | None:
    """A warning, never a refusal, for a valid credit code whose organization code fails GB 11714."""
    org = code[8:17]
    if re.fullmatch(r"[0-9A-Z]{8}[0-9X]", org) and org_code_check_char(org[:8]) == org[8]:
        return None
    return ORG_CODE_WARNING


def required(value: str | None, field: str, *, message: str = "不能为空") -> str:
    """The trimmed value; `message` (请选择 for a choice) when it is empty."""
    text = clean(value, field).strip() if value is not None else ""
    if not text:
        raise ValidationError(field, message)
    return text


def _given(value: str | None, field: str, required_: bool, *, drop_spaces: bool = False,
           fold: bool = False) -> str | None:
    """The cleaned, trimmed value, None when blank (or 不能为空 when required)."""
    cleaned = clean(value, field, fold=fold).strip() if value is not None else ""
    if drop_spaces:
        cleaned = cleaned.replace(" ", "")
    if not cleaned and required_:
        raise ValidationError(field, "不能为空")
    return cleaned or None


def text(value: str | None, field: str, *, max_len: int, required_: bool = False,
         required_when: str | None = None) -> str | None:
    """Free text up to `max_len` characters. `required_when` names the case in which a field that is
    optional elsewhere must be filled (“驳回时必填”), so the message agrees with the form's label."""
    if required_when and not (clean(value, field).strip() if value is not None else ""):
        raise ValidationError(field, f"{required_when}时必填")
    cleaned = _given(value, field, required_)
    if cleaned is None:
        return None
    if len(cleaned) > max_len:
        raise ValidationError(field, f"不能超过{max_len}个字（当前{len(cleaned)}个字）")
    return cleaned


# Dashes Chinese input methods produce, and 转 (extension), as libphonenumber reads them.
_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff0d]")
_EXTENSION = re.compile(r"\s*(转|分机)\s*")
NANJING_AREA = "025"
EXT = ";ext="  # stored form: E.164, then ;ext= and the extension (RFC 3966)


def _parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    """libphonenumber's reading (region CN) of a number as typed; a bare 7–8 digit local number is taken
    as Nanjing's (025), the city this platform serves."""
    text = _EXTENSION.sub(" ext ", _DASHES.sub("-", value))
    if re.fullmatch(r"[2-9][0-9]{6,7}", re.sub(r"[\s-]", "", text)):
        text = NANJING_AREA + text
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _stored(number: phonenumbers.PhoneNumber) -> str:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 + (f"{EXT}{number.extension}" if number.extension else "")


def mobile(value: str | None, field: str = "手机", *, required_: bool = True) -> str | None:
    """A mainland mobile number (libphonenumber, type MOBILE), stored as E.164."""
    cleaned = _given(value, field, required_, fold=True)
    if cleaned is None:
        return None
    number = _parse_phone(cleaned)
    if number is None or number.country_code != 86 or number.extension or \
            phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValidationError(field, "请输入11位手机号码（如139 1234 5678）")
    return _stored(number)


def phone(value: str | None, field: str = "联系电话", *, required_: bool = True) -> str | None:
    """Any valid phone number as libphonenumber (region CN) reads it: mobile, landline with area code
    (025-8312 3456, (025)83123456), 400/800 numbers, +86 or 0086, an extension (转801, ext 801); stored as
    E.164 plus ;ext=."""
    cleaned = _given(value, field, required_, fold=True)
    if cleaned is None:
        return None
    number = _parse_phone(cleaned)
    if number is None:
        raise ValidationError(field, "号码无效，请输入手机号码或带区号的固定电话（如025-8312 3456，分机写“转801”）")
    return _stored(number)


def is_landline(value: str) -> bool:
    """Whether libphonenumber reads the text as a fixed-line number (not a mobile, 400 or 800 number)."""
    number = _parse_phone(value)
    return number is not None and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@lru_cache(maxsize=8192)  # a pure function of the text; 服务商管理 shows 1,000 numbers at a province's scale
def display_phone(stored: str | None) -> str:
    """A stored number in the national format people read (025 8312 3456, 139 1234 5678 转801); a value
    stored before numbers were canonical is shown as it was typed."""
    if not isinstance(stored, str) or not stored:  # None, or a missing value from a frame
        return ""
    number, _, extension = stored.partition(EXT)
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(parsed):
        return stored
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national + (f" 转{extension}" if extension else "")


def dial_number(shown: str | None) -> str | None:
    """The number for a tel: link (E.164 with ;ext=), from a stored or a displayed number; None when it
    cannot be dialled."""
    parsed = _parse_phone(shown.replace(EXT, " ext ")) if shown else None
    return None if parsed is None else _stored(parsed)


def email(value: str | None, field: str = "邮箱", *, required_: bool = False) -> str | None:
    """An address as email-validator reads it (syntax only, no DNS; Chinese domains and local parts
    allowed), stored in its normalized form."""
    cleaned = _given(value, field, required_, fold=True)
    if cleaned is None:
        return None
    try:
        normalized = validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(field, "邮箱格式不正确") from None
    if len(normalized) > 100:
        raise ValidationError(field, "邮箱格式不正确")
    return normalized


def qq(value: str | None, field: str = "QQ号") -> str | None:
    cleaned = _given(value, field, False, drop_spaces=True, fold=True)
    if cleaned is None:
        return None
    if not QQ_RE.match(cleaned):
        raise ValidationError(field, "应为5到12位数字")
    return cleaned


def money(value: object, field: str, *, required_: bool = False, maximum: Decimal | None = None,
          signed: bool = False) -> Decimal | None:
    """An amount with at most two decimals, as Decimal (never float), within `maximum` (at most what the
    database holds); non-negative unless `signed` (a profit may be a loss, down to −`maximum`)."""
    if isinstance(value, str):
        value = clean(value, field, fold=True)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required_:
            raise ValidationError(field, "不能为空")
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(field, "请输入数字金额") from None
    if not amount.is_finite():
        raise ValidationError(field, "请输入数字金额")
    limit = MAX_AMOUNT if maximum is None else min(maximum, MAX_AMOUNT)
    if amount < 0 and not signed:
        raise ValidationError(field, "不能小于0")
    if amount < -limit:
        raise ValidationError(field, f"亏损不能超过{limit}")
    if amount > limit:
        raise ValidationError(field, f"不能超过{limit}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(field, "最多保留两位小数")
    return amount.quantize(Decimal("0.01"))


def count(value: object, field: str, *, required_: bool = False, maximum: int = 10_000_000) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required_:
            raise ValidationError(field, "不能为空")
        return None
    try:
        number = int(clean(value, field, fold=True).strip())
    except ValueError:
        raise ValidationError(field, "请输入整数") from None
    if number < 0:
        raise ValidationError(field, "不能小于0")
    if number > maximum:
        raise ValidationError(field, f"不能超过{maximum}")
    return number


def past_date(value: object, field: str, *, today: date, required_: bool = True,
              not_before: date | None = None, not_before_label: str = "") -> date | None:
    """A date that is not after `today` (and, if given, not before `not_before`)."""
    if value is None or value == "":
        if required_:
            raise ValidationError(field, "不能为空")
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(clean(value, field, fold=True).strip())
        except ValueError:
            raise ValidationError(field, "日期格式应为YYYY-MM-DD") from None
    if not isinstance(value, date):
        raise ValidationError(field, "日期格式应为YYYY-MM-DD")
    if value > today:
        raise ValidationError(field, "不能晚于今天")
    if not_before and value < not_before:
        raise ValidationError(field, f"不能早于{not_before_label}（{not_before.isoformat()}）")
    return value


def choice(value: str | None, field: str, options: list[str] | tuple[str, ...], *,
           required_: bool = True) -> str | None:
    cleaned = clean(value, field).strip() if value is not None else ""
    if not cleaned:
        if required_:
            raise ValidationError(field, "请选择")
        return None
    if cleaned not in options:
        raise ValidationError(field, "选项无效")
    return cleaned


def score(value: object, field: str, maximum: int) -> int:
    """A whole number of points from 0 to `maximum` (a criterion of the evaluation form)."""
    if value is None or isinstance(value, bool):
        raise ValidationError(field, "请打分")
    try:
        points = int(value)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError(field, "请输入整数分") from None
    if points != value and not isinstance(value, str):
        raise ValidationError(field, "请输入整数分")
    if not 0 <= points <= maximum:
        raise ValidationError(field, f"应在0到{maximum}分之间")
    return points


def selections(values: list[str] | None, field: str, options: list[str]) -> list[str]:
    """At least one of `options`, each once, in the order chosen."""
    if not values or any(value not in options for value in values):
        raise ValidationError(field, "请至少选择一项")
    return list(dict.fromkeys(values))
