"""Validators: real credit codes, phone numbers, e-mail, money as Decimal, dates, lengths."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from lib import validation as v
from lib.errors import ValidationError

TODAY = date(2026, 11, 28)


# Real codes, published with python-stdnum's cn.uscc tests (checked against GB 32100-2015 there), chosen
# so that every kind of check character occurs: a digit, a letter, and the edge values 0 and Y
# (a wrong modulus changes only codes whose check character is 0 or Y).
REAL_CODES = [
    "91350100M000100Y43",  # the standard's own example
    "91110000600037341L", "91320214745555318W", "9144030071526726XG",
    "911522010783762860", "92340604MA2PENA300", "9162010558590643X0", "92340621MA2PBN4YX0",  # check character 0
    "91620105551270533Y", "91620105773422168Y", "92340621MA2UK0KR5Y", "91340621MA2PEN6Q3Y",  # check character Y
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_accepted(code):
    assert v.credit_code(code) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_a_real_code_with_any_other_check_character_is_refused(code):
    for other in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if other != code[17]:
            with pytest.raises(ValidationError, match="校验位不正确"):
                v.credit_code(code[:17] + other)


def test_lower_case_and_spaces_are_normalised():
    assert v.credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code,reason", [
    ("91350100M000100Y44", "校验位不正确"),
    ("1233445", "应为18位，当前为7位"),
    ("91350100M000100O43", "不允许的字符"),
    ("9135010AM000100Y43", "不允许的字符"),  # positions 3-8 are the division code: digits only
    ("", "不能为空"),
])
def test_bad_credit_codes_name_the_field_and_the_problem(code, reason):
    with pytest.raises(ValidationError) as err:
        v.credit_code(code)
    assert err.value.field == "统一社会信用代码" and reason in err.value.message


# The inputs of issue 12 as Chinese users type them; the expected values are libphonenumber's (region CN).
@pytest.mark.parametrize("typed,stored,shown", [
    ("13912345678", "+8613912345678", "139 1234 5678"), ("139-1234-5678", "+8613912345678", "139 1234 5678"),
    ("+86 139 1234 5678", "+8613912345678", "139 1234 5678"), ("+8613912345678", "+8613912345678", "139 1234 5678"),
    ("008613912345678", "+8613912345678", "139 1234 5678"),
    ("１３９１２３４５６７８", "+8613912345678", "139 1234 5678"),
    ("(025)83123456", "+862583123456", "025 8312 3456"), ("（025）83123456", "+862583123456", "025 8312 3456"),
    ("025-8312-3456", "+862583123456", "025 8312 3456"), ("+86-25-83123456", "+862583123456", "025 8312 3456"),
    ("025—83123456", "+862583123456", "025 8312 3456"), ("025-84567890", "+862584567890", "025 8456 7890"),
    ("02584567890", "+862584567890", "025 8456 7890"), ("84567890", "+862584567890", "025 8456 7890"),
    ("400-800-1234", "+864008001234", "400 800 1234"), ("800-820-8820", "+868008208820", "800 820 8820"),
    ("025-83123456转801", "+862583123456;ext=801", "025 8312 3456 转801"),
    ("025-83123456 ext 801", "+862583123456;ext=801", "025 8312 3456 转801"),
])
def test_phone_numbers_as_people_type_them(typed, stored, shown):
    assert v.phone(typed) == stored
    assert v.display_phone(stored) == shown
    assert v.dial_number(stored) == stored


@pytest.mark.parametrize("number", ["12345678901", "1391234567", "abc", "025-1234", "0000-2123456", "0511-8123456",
                                    "14444444444"])
def test_numbers_libphonenumber_calls_invalid_are_refused(number):
    with pytest.raises(ValidationError, match="^联系电话：号码无效"):
        v.phone(number)


def test_mobile_only_fields_refuse_landlines():
    with pytest.raises(ValidationError, match="手机：请输入11位手机号码"):
        v.mobile("025-84567890")
    assert v.mobile(" 139 1234 5678 ") == "+8613912345678"


def test_numbers_stored_before_they_were_canonical_are_shown_as_typed():
    assert v.display_phone("14444444444") == "14444444444" and v.dial_number("14444444444") is None
    assert v.display_phone("025-84567890") == "025 8456 7890"


# email-validator's verdicts (syntax only), on the addresses of issue 12.
@pytest.mark.parametrize("address,stored", [
    ("12@qq.com", "12@qq.com"), ("a.b+c@example.com.cn", "a.b+c@example.com.cn"), ("Li@Example.COM", "Li@example.com"),
    ("user@例子.中国", "user@例子.中国"), ("zhang@公司.cn", "zhang@公司.cn"), ("张三@公司.cn", "张三@公司.cn"),
    ("user@xn--fsqu00a.xn--fiqs8s", "user@例子.中国"), ("ｌｉ＠ｑｑ．ｃｏｍ", "li@qq.com")])
def test_email_addresses_email_validator_accepts(address, stored):
    assert v.email(address) == stored


@pytest.mark.parametrize("address", ["a@b", "@qq.com", "a b@qq.com", "user..dots@x.com", ".user@x.com", "user.@x.com",
                                     "user@-x.com", "x@"])
def test_email_addresses_email_validator_refuses(address):
    with pytest.raises(ValidationError, match="^邮箱：邮箱格式不正确$"):
        v.email(address)


def test_money_is_decimal_never_float():
    assert v.money("1,234.5", "价格") == Decimal("1234.50")
    assert isinstance(v.money(0.1, "价格"), Decimal) and v.money(0.1, "价格") == Decimal("0.10")
    assert v.money("", "价格") is None


@pytest.mark.parametrize("value,reason",
                         [("-0.01", "不能小于0"), ("abc", "请输入数字金额"), ("1.234", "最多保留两位小数"),
                                          ("NaN", "请输入数字金额")])
def test_bad_money(value, reason):
    with pytest.raises(ValidationError, match=f"价格：{reason}"):
        v.money(value, "价格")


def test_dates_cannot_be_in_the_future_or_before_a_bound():
    assert v.past_date("2026-11-28", "日期", today=TODAY) == TODAY
    with pytest.raises(ValidationError, match="日期：不能晚于今天"):
        v.past_date("2026-11-29", "日期", today=TODAY)
    with pytest.raises(ValidationError, match="日期格式应为YYYY-MM-DD"):
        v.past_date("28/11/2026", "日期", today=TODAY)
    with pytest.raises(ValidationError, match=r"不能早于合同签订日期（2026-11-01）"):
        v.past_date(date(2026, 10, 31), "日期", today=TODAY, not_before=date(2026, 11, 1),
                    not_before_label="合同签订日期")


def test_text_length_limits_count_characters_not_bytes():
    assert v.text("意" * 200, "意见和建议", max_len=200) == "意" * 200
    with pytest.raises(ValidationError, match="不能超过200个字"):
        v.text("意" * 201, "意见和建议", max_len=200)
    with pytest.raises(ValidationError, match="服务描述：不能为空"):
        v.text("  ", "服务描述", max_len=10, required_=True)


def test_choice_refuses_forged_options():
    with pytest.raises(ValidationError, match="企业规模：选项无效"):
        v.choice("超大型", "企业规模", ["大型", "中型", "小型", "微型"])


def test_mobile_numbers_may_be_typed_with_spaces():
    assert v.mobile(" 139 1234 5678 ") == "+8613912345678"
    assert v.mobile("", required_=False) is None
    with pytest.raises(ValidationError) as err:
        v.mobile("  ")
    assert (err.value.field, err.value.message) == ("手机", "手机：不能为空")


@pytest.mark.parametrize("value,stored", [("12345", "12345"), (" 123456789012 ", "123456789012"), ("", None),
                                          (None, None)])
def test_qq_numbers_of_5_to_12_digits(value, stored):
    assert v.qq(value) == stored


@pytest.mark.parametrize("value", ["1234", "1234567890123", "012345", "12345a"])
def test_other_qq_numbers_are_refused(value):
    with pytest.raises(ValidationError) as err:
        v.qq(value)
    assert (err.value.field, err.value.message) == ("QQ号", "QQ号：应为5到12位数字")


@pytest.mark.parametrize("value,expected", [("12", 12), (" 0 ", 0), (7, 7), ("10000000", 10_000_000), ("", None),
                                            (None, None), ("  ", None)])
def test_counts(value, expected):
    assert v.count(value, "从业人数") == expected


@pytest.mark.parametrize("value,kw,message", [
    ("", {"required_": True}, "从业人数：不能为空"), (None, {"required_": True}, "从业人数：不能为空"),
    ("12.5", {}, "从业人数：请输入整数"), ("abc", {}, "从业人数：请输入整数"), ("-1", {}, "从业人数：不能小于0"),
    ("10000001", {}, "从业人数：不能超过10000000"), ("366", {"maximum": 365}, "从业人数：不能超过365"),
])
def test_bad_counts(value, kw, message):
    with pytest.raises(ValidationError) as err:
        v.count(value, "从业人数", **kw)
    assert (err.value.field, err.value.message) == ("从业人数", message)


@pytest.mark.parametrize("value,expected", [
    ("2026-11-28", date(2026, 11, 28)), (" 2026-11-01 ", date(2026, 11, 1)), (date(2026, 1, 1), date(2026, 1, 1)),
    (datetime(2026, 11, 28, 23, 59), date(2026, 11, 28)),  # a datetime counts by its day
])
def test_dates_in_the_forms_they_arrive(value, expected):
    assert v.past_date(value, "日期", today=TODAY) == expected


@pytest.mark.parametrize("value,message", [
    (None, "日期：不能为空"), ("", "日期：不能为空"), ("2026/11/28", "日期：日期格式应为YYYY-MM-DD"),
    ("2026-02-30", "日期：日期格式应为YYYY-MM-DD"), (20261128, "日期：日期格式应为YYYY-MM-DD"),
    ("2026-11-29", "日期：不能晚于今天"),
])
def test_bad_dates(value, message):
    with pytest.raises(ValidationError) as err:
        v.past_date(value, "日期", today=TODAY)
    assert (err.value.field, err.value.message) == ("日期", message)


def test_an_optional_date_may_be_left_empty_and_a_bound_is_named():
    assert v.past_date("", "日期", today=TODAY, required_=False) is None
    assert v.past_date(None, "日期", today=TODAY, required_=False) is None
    with pytest.raises(ValidationError) as err:
        v.past_date("2026-10-31", "日期", today=TODAY, not_before=date(2026, 11, 1))
    assert err.value.message == "日期：不能早于（2026-11-01）"  # no label given: the date alone
    assert v.past_date("2026-11-01", "日期", today=TODAY, not_before=date(2026, 11, 1)) == date(2026, 11, 1)


@pytest.mark.parametrize("value,kw,expected", [(" 小型 ", {}, "小型"), ("", {"required_": False}, None),
                                               (None, {"required_": False}, None)])
def test_a_choice_among_the_options(value, kw, expected):
    assert v.choice(value, "企业规模", ["大型", "中型", "小型", "微型"], **kw) == expected


@pytest.mark.parametrize("value", ["", None, "  "])
def test_a_required_choice_left_empty(value):
    with pytest.raises(ValidationError) as err:
        v.choice(value, "企业规模", ["大型", "中型", "小型", "微型"])
    assert (err.value.field, err.value.message) == ("企业规模", "企业规模：请选择")


def test_email_edges():
    with pytest.raises(ValidationError) as err:
        v.email("  ", required_=True)
    assert (err.value.field, err.value.message) == ("邮箱", "邮箱：不能为空")
    assert v.email("", required_=False) is None
    hundred = "a" * 88 + "@example.com"  # 100 characters: the longest accepted
    assert len(hundred) == 100 and v.email(hundred) == hundred
    with pytest.raises(ValidationError, match="^邮箱：邮箱格式不正确$"):
        v.email("a" + hundred)


def test_phone_edges():
    assert v.phone(" 139 1234 5678 ") == "+8613912345678"
    assert v.phone("", required_=False) is None
    with pytest.raises(ValidationError) as err:
        v.phone("  ")
    assert (err.value.field, err.value.message) == ("联系电话", "联系电话：不能为空")


def test_required_values_of_any_kind():
    assert v.required(" 甲 ", "名称") == "甲"
    assert v.required(2026, "年度") == "2026"
    assert v.required(0, "数量") == "0"  # a zero is a value, not an empty field
    with pytest.raises(ValidationError, match="^名称：不能为空$"):
        v.required(None, "名称")


def test_the_credit_code_format_message_in_full():
    with pytest.raises(ValidationError) as err:
        v.credit_code("91350100M000100O43")
    assert err.value.message == "统一社会信用代码：含有不允许的字符（不使用I、O、Z、S、V）或格式不正确"


def test_a_phone_is_tappable_where_it_is_shown():
    from ui.widgets import phone_link
    assert phone_link("025 8312 3456 转801") == '<a href="tel:+862583123456;ext=801">025 8312 3456 转801</a>'
    assert phone_link("139 1234 5678") == '<a href="tel:+8613912345678">139 1234 5678</a>'
    assert phone_link("14444444444") == "14444444444"  # stored before numbers were checked: shown, not dialled
    assert phone_link("") == ""
