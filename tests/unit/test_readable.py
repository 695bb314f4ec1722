import pytest

from nlu.readable import is_readable


@pytest.mark.parametrize(
    "text", ["hi", "ERR 401", "my stop didn't fire 😱", "¿dónde está mi orden?", "TKT-000123", "42"]
)
def test_latin_words_or_digits_are_readable(text: str) -> None:
    assert is_readable(text)


@pytest.mark.parametrize("text", ["", "👋🙂", "我的订单被拒绝了", "Не могу", "?!", "a"])
def test_emoji_other_scripts_and_noise_are_not(text: str) -> None:
    assert not is_readable(text)
