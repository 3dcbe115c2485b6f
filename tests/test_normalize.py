import re

from rag.normalize import normalize, strip_pinyin, to_simplified

from .conftest import REPO


def test_pinyin_after_characters_is_removed():
    assert strip_pinyin("市政協(xié)開展“數(shù)字賦能") == "市政協開展“數字賦能"
    assert strip_pinyin("副市長（zhǎng）趙煒") == "副市長趙煒"


def test_parentheses_that_are_not_pinyin_stay():
    assert strip_pinyin("方案(一)和附件(ABC)") == "方案(一)和附件(ABC)"
    assert strip_pinyin("第(a)项") == "第(a)项"  # no tone mark, single letter: a list label
    assert strip_pinyin("Python(3.11)") == "Python(3.11)"


def test_traditional_becomes_simplified():
    assert to_simplified("市政協主席是誰？") == "市政协主席是谁？"
    assert to_simplified("国务院常务会议") == "国务院常务会议"


def test_full_width_and_whitespace_cleanup():
    assert normalize("ＡＢＣ１２３") == "ABC123"
    assert normalize("市政协,主席:薛登峰") == "市政协，主席：薛登峰"
    assert normalize("  会议  召开\u200b \n\n\n 第二段 ") == "会议召开\n第二段"


def test_normalize_is_idempotent_and_same_for_questions():
    text = "7月14日,市政協(xié)開展雙月協商活動。"
    once = normalize(text)
    assert normalize(once) == once
    assert normalize("市政協主席是誰？") == "市政协主席是谁？"


def test_shipped_sample_has_no_pinyin_after_normalization():
    sample = next((REPO / "corpus").glob("*.txt"))
    raw = sample.read_text(encoding="utf-8")
    assert re.search(r"\((xié|shù)\)", raw)  # the shipped file still has them
    text = normalize(raw)
    assert not re.search(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]", text)
    assert "政协" in text
    assert "政協" not in text
