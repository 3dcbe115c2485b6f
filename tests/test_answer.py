import re

from rag.answer import NOT_FOUND, ExtractiveAnswerer, identifiers


def check_citations(ans):
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)}
    by_n = {c.n: c for c in ans.citations}
    assert markers
    assert markers <= set(by_n)
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    # every quoted sentence is verbatim in the passage its marker points to
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", ans.text):
        assert sentence in by_n[int(n)].text


def reports_index(tmp_path, embedder, reports: dict[str, tuple[str, str]]):
    """An index of dated reports written for a test: ``{date: (title, text)}``, one file each."""
    from rag import Assistant

    (tmp_path / "c").mkdir()
    for date, (title, text) in reports.items():
        (tmp_path / "c" / f"{date}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\n---\n{text}\n", encoding="utf-8"
        )
    return Assistant.build([tmp_path / "c"], tmp_path / "index", embedder=embedder)


def test_traditional_question_is_answered_with_a_citation(assistant):
    ans = assistant.ask("市政協主席是誰？")
    assert ans.found
    assert "薛登峰" in ans.text
    check_citations(ans)
    c = ans.citations[0]
    assert c.doc_id.endswith("tengzhou.txt")
    assert c.title
    assert c.source.endswith("tengzhou.txt")
    assert assistant.document(c.doc_id).text[c.start : c.end] == c.text


def test_number_and_date_questions(assistant):
    ans = assistant.ask("人大常委会第十次会议有多少名委员出席？")
    assert ans.found
    assert "162" in ans.text
    check_citations(ans)
    ans = assistant.ask("2024年7月19日国务院常务会议审议通过了什么？")
    assert ans.found
    assert "消费者权益保护法实施条例" in ans.text
    check_citations(ans)
    assert ans.citations[0].date == "2024-07-19"


def test_unrelated_question_is_not_answered(assistant):
    for q in ["量子计算机的研发进展如何？", "足球世界杯冠军是哪个国家？"]:
        ans = assistant.ask(q)
        assert not ans.found
        assert ans.text == NOT_FOUND
        assert ans.citations == ()


def test_to_dict_shape(assistant):
    d = assistant.ask("出席活动的副市长是谁？").to_dict()
    assert set(d) == {"answer", "found", "citations", "quotes", "marks", "answerer"}
    assert d["answerer"] == "extractive"
    assert "赵炜" in d["answer"]
    assert set(d["citations"][0]) == {"n", "doc_id", "title", "date", "source", "text", "start", "end", "score", "page"}
    assert set(d["quotes"][0]) == {"n", "start", "end"}


def test_quotes_locate_the_quoted_sentences_in_their_passages(assistant):
    ans = assistant.ask("出席活动的副市长是谁？")
    by_n = {c.n: c for c in ans.citations}
    assert ans.quotes
    for q in ans.quotes:
        quoted = by_n[q.n].text[q.start : q.end]
        assert f"{quoted}[{q.n}]" in ans.text


def test_questions_about_another_session_year_or_body_are_not_answered(assistant):
    for q in [
        "十四届全国人大常委会第十一次会议有多少名委员出席？",  # the corpus has the 第十次
        "2019年国务院常务会议审议通过了什么？",  # no report of that year
        "深圳市政协主席是谁？",  # another city's body
        "国务院常务会议审议通过了《无人机管理条例》吗？",  # a title no report has
    ]:
        assert not assistant.ask(q).found, q
    assert assistant.ask("十四届全国人大常委会第十次会议有多少名委员出席？").found


def test_identifiers():
    assert identifiers("十三届全国人大常委会第二十次会议") == ["十三届", "第二十次会"]
    assert identifiers("浙江省政协十二届五次会议") == ["十二届五次", "浙江省政协"]
    assert identifiers("审议通过《专利法实施细则》") == ["《专利法实施细则》"]
    assert identifiers("全国政协主席是谁") == []
    assert identifiers("市政协主席是谁") == []


def test_follow_up_questions_carry_the_meeting_over(assistant):
    from rag.followup import standalone

    first = "2024年7月19日国务院常务会议审议通过了什么？"
    follow = "那次会议还指出了什么？"
    assert standalone(follow, [first]).startswith("2024年7月19日 国务院常务会议")
    assert standalone("人大常委会第十次会议有多少名委员出席？", [first]) == "人大常委会第十次会议有多少名委员出席？"
    assert standalone(follow, []) == follow
    ans = assistant.ask(follow, history=[first])
    assert ans.found
    assert "银发经济" in ans.text
    assert ans.citations[0].date == "2024-07-19"


def test_local_body_after_a_verb_is_still_found(assistant, tmp_path):
    note = tmp_path / "示范区政协常委会议纪要.txt"
    note.write_text("2026年9月1日，示范区政协召开常委会议。出席会议的副主任是王晓明。", encoding="utf-8")
    assistant.add([note])
    ans = assistant.ask("出席示范区政协常委会议的副主任是谁？")
    assert ans.found
    assert "王晓明" in ans.text
    assert not assistant.ask("出席深圳市政协常委会议的副主任是谁？").found


def test_follow_up_about_a_person_carries_the_name():
    from rag.followup import standalone

    assert "薛登峰" in standalone("他还强调了什么？", ["市政协主席薛登峰在座谈会上指出了什么？"])


def test_a_follow_up_about_a_day_quotes_only_that_days_report(tmp_path, embedder):
    title = "李强主持召开国务院常务会议"
    a = reports_index(tmp_path, embedder, {
        "2024-01-06": (title, "国务院总理李强1月5日主持召开国务院常务会议，研究发展银发经济的政策举措，"
                              "审议通过《节约用水条例（草案）》。\n会议要求，抓好冬季安全生产，做好春节期间市场供应。"),
        "2024-12-17": (title, "国务院总理李强12月16日主持召开国务院常务会议，对贯彻落实中央经济工作会议决策部署作出安排。"
                              "\n会议强调，要把思想和行动统一到党中央决策部署上来，部署明年经济工作。"),
    })  # fmt: skip
    ans = a.ask("那次会议还部署了什么？", history=["2024年1月5日国务院常务会议研究了什么？"])
    quoted = {q.n for q in ans.quotes}
    assert {c.date for c in ans.citations if c.n in quoted} <= {"2024-01-06"}


def test_a_question_naming_a_day_is_answered_from_that_days_report(assistant):
    ans = assistant.ask("2023年3月2日国务院常务会议审议通过了什么？")
    assert ans.found
    quoted = {q.n for q in ans.quotes}
    assert {c.date for c in ans.citations if c.n in quoted} == {"2023-03-02"}
    assert "专利法实施细则" in ans.text
    assert "消费者权益保护法" not in ans.text


def _hit(doc_id: str, date: str | None, title: str, text: str, score: float = 1.0):
    from rag.types import Chunk, Hit

    return Hit(Chunk(f"{doc_id}@0", doc_id, text, 0, len(text), title, date, "test"), score)


def test_a_year_in_the_question_picks_that_years_report_over_later_ones_that_recall_it():
    from rag.answer import ExtractiveAnswerer

    hits = [  # the 2019 report, looking back on 2018, ranks first
        _hit("r2019", "2019", "2019年政府工作报告", "2018年国内生产总值增长6.6%，达到90万亿元。"),
        _hit("r2018", "2018", "2018年政府工作报告", "2018年国内生产总值增长预期目标是6.5%左右。", 0.8),
    ]
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("2018年政府工作报告提出国内生产总值增长多少？", hits)
    assert ans.found
    assert ans.citations[0].doc_id == "r2018"
    assert "6.5%左右" in ans.text


def test_abstention_is_a_model_of_the_evidence_and_holds_for_its_embedding_model(tmp_path, embedder):
    from rag import Assistant
    from rag.answer import ABSTENTION, Abstention, Evidence

    model = Abstention("m", coverage=10.0, dense=40.0, bias=-35.0, threshold=0.25)
    assert model.answers(Evidence(coverage=0.9, dense=0.8))  # a passage about the question
    assert not model.answers(Evidence(coverage=0.6, dense=0.6))  # words shared by chance
    assert ABSTENTION.model == "m3e-small"
    (tmp_path / "a.txt").write_text("滕州市政协主席薛登峰出席活动。", encoding="utf-8")
    a = Assistant.build([tmp_path / "a.txt"], tmp_path / "index", embedder=embedder)
    assert a.answerer.abstention is None  # fit for m3e-small, not for this index's model


def test_a_question_that_names_a_year_is_answered_from_one_document():
    from rag.answer import ExtractiveAnswerer

    hits = [
        _hit("a", "2018", "2018年政府工作报告", "2018年的主要预期目标是：国内生产总值增长6.5%左右。"),
        _hit("b", "2018-06-01", "2018年年中报道", "2018年国内生产总值增长预期目标保持6.5%左右不变。", 0.9),
    ]
    answerer = ExtractiveAnswerer(lambda t: 1.0)
    ans = answerer.answer("2018年国内生产总值增长预期目标是多少？", hits)
    assert ans.found
    assert {c.doc_id for c in ans.citations if f"[{c.n}]" in ans.text} == {"a"}
    both = answerer.answer("国内生产总值增长预期目标是多少？", hits)  # no year: both may be quoted
    assert {c.doc_id for c in both.citations if f"[{c.n}]" in both.text} == {"a", "b"}
    several = answerer.answer("2018年提出了哪些国内生产总值增长预期目标？", hits)  # a year, but several asked
    assert {c.doc_id for c in several.citations if f"[{c.n}]" in several.text} == {"a", "b"}


def test_who_wrote_a_report_comes_from_its_byline(tmp_path, embedder):
    from rag import Assistant
    from rag.answer import byline

    from .conftest import REPO

    sample = Assistant.build([REPO / "corpus"], tmp_path / "index", embedder=embedder)
    ans = sample.ask("滕州市政协数字赋能装备制造业双月协商活动的报道是谁写的？")
    assert ans.found
    assert ans.text.startswith("署名：商铮")
    c = ans.citations[0]
    assert "报道" in c.text and c.text[ans.quotes[0].start : ans.quotes[0].end] == "商铮？"
    assert byline("本报讯（记者 张三 李四）今天召开会议。")[0] == "张三 李四"
    assert byline("国务院新闻办举行记者见面会。") is None  # 记者 in a meeting's name is no byline


def test_the_short_answer_is_marked_inside_the_quoted_sentence_and_bold_in_the_chat():
    from rag.answer import ExtractiveAnswerer
    from rag.web.render import answer_markdown

    hits = [
        _hit("s", "2022-09-26", "国务院常务会议", "会议决定，对缴费者按每年12000元的限额予以税前扣除，2022年起实施。")
    ]
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("个人养老金缴费每年扣除限额是多少？", hits)
    assert ans.found
    (mark,) = ans.marks
    assert ans.citations[mark.n - 1].text[mark.start : mark.end] == "12000元"
    assert ans.to_dict()["marks"] == [mark.to_dict()]
    assert '<b class="short">12000元</b>' in answer_markdown(ans)
    who = ExtractiveAnswerer(lambda t: 1.0).answer(
        "任命谁为外交部部长？", [_hit("n", "2022-12-30", "人大常委会", "会议决定任命秦刚为外交部部长。")]
    )
    assert [who.citations[m.n - 1].text[m.start : m.end] for m in who.marks] == ["秦刚"]


def test_a_numbered_typhoon_is_not_a_day(tmp_path, embedder):
    a = reports_index(tmp_path, embedder, {
        "2024-09-03": ("台风", "今年第11号台风“摩羯”预计9月6日在海南琼海到广东湛江一带沿海登陆。"),
        "2024-07-20": ("台风", "今年第3号台风“格美”于7月25日在福建莆田秀屿区沿海登陆。"),
        "2024-09-13": ("台风", "今年第13号台风“贝碧嘉”于9月16日在上海浦东临港新城登陆。"),
    })  # fmt: skip
    for number, place in (("3", "莆田"), ("11", "琼海"), ("13", "浦东")):
        ans = a.ask(f"今年第{number}号台风在哪里登陆？")
        assert ans.found, number
        assert place in ans.text, (number, ans.text)


def test_a_news_dateline_is_not_quoted(tmp_path, embedder):
    """`央视网消息（新闻联播）：` led 2,404 of 2,428 reports' first sentences, and so many answers."""
    a = reports_index(tmp_path, embedder, {
        "2024-07-19": ("李强主持召开国务院常务会议",
                       "央视网消息（新闻联播）：国务院总理李强7月19日主持召开国务院常务会议，"
                       "审议通过《节约用水条例（草案）》。\n会议要求，抓好安全生产。"),
    })  # fmt: skip
    ans = a.ask("国务院常务会议审议通过了什么条例？")
    assert ans.found and "节约用水条例" in ans.text
    assert "央视网消息" not in ans.text and "新闻联播" not in ans.text
    quote = ans.quotes[0]
    cited = next(c for c in ans.citations if c.n == quote.n)
    assert cited.text[quote.start : quote.end].startswith("国务院总理李强")


def test_a_question_asking_where_quotes_and_marks_the_place(tmp_path, embedder):
    a = reports_index(tmp_path, embedder, {
        "2023-12-13": ("中央经济工作会议举行",
                       "中央经济工作会议12月11日至12日召开，会议总结2023年经济工作，分析当前经济形势。"
                       "会议认为，中央经济工作会议部署的各项任务要抓好落实。\n"
                       "本次中央经济工作会议在北京举行，习近平出席会议并发表重要讲话。"),
    })  # fmt: skip
    ans = a.ask("中央经济工作会议在哪里举行？")
    assert ans.found
    assert "在北京举行" in ans.text
    (mark,) = ans.marks
    cited = next(c for c in ans.citations if c.n == mark.n)
    assert cited.text[mark.start : mark.end] == "北京"


def test_question_words_are_not_terms_a_passage_must_hold():
    # 哪边 and 多久 are in no passage; weighed as the rarest terms they would make answerable questions "not found"
    terms = ExtractiveAnswerer(lambda t: 8.0 if t in ("哪边", "多久") else 2.0).weights("哪边的栽培稻是从野生稻来的？")
    assert "哪边" not in terms and "野生" in terms and "栽培" in terms
    assert "多久" not in ExtractiveAnswerer(lambda t: 1.0).weights("大概多久以前就有种大米的纪录？")


def test_a_term_jieba_made_by_joining_words_counts_as_those_words():
    unseen = {"\x00", "电是", "查莫洛人"}  # held by no chunk
    answerer = ExtractiveAnswerer(lambda t: 8.0 if t in unseen else 2.0)
    terms = answerer.weights("德国有多少电是利用风力来发的？")
    assert "电是" not in terms and terms["电"] == 2.0
    assert "查莫洛人" in answerer.weights("查莫洛人中哪一社会等级为倒数第二？")  # a name, not joined words


def test_the_year_before_a_reports_name_is_the_reports_and_a_colon_reads_on():
    hits = [  # the 1994 report gives its own year's harvest; the 1995 report gives 1994's
        _hit("r1994", "1994", "1994年政府工作报告", "1993年粮食总产量4564亿公斤，达到历史最高水平。"),
        _hit("r1995", "1995", "1995年政府工作报告", "1994年全国粮食总产量是：\n4445亿公斤，比上年减产。", 0.8),
    ]
    ans = ExtractiveAnswerer(lambda t: 1.0).answer("1995年政府工作报告中，1994年全国粮食总产量是多少？", hits)
    assert ans.found and ans.citations[0].doc_id == "r1995"
    assert "4445亿公斤" in ans.text  # the sentence ending with a colon is read with the next
