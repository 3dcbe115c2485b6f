"""Scanned pages made from known Chinese text, for the OCR tests and `bench/bench_ocr.py`.

Pages are A4 at 150 dpi (1240 × 1754 pixels), drawn with WenQuanYi Micro Hei (Debian's
fonts-wqy-microhei), with a running header and a page number, in one or two columns. A "photo" is a
page tilted, unevenly lit, noisy and saved as JPEG. The minutes are invented.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
WIDTH, HEIGHT, MARGIN = 1240, 1754, 120
SIZE, LEADING, GUTTER = 28, 46, 60
HEADER = "青溪市政协办公厅文件"

# Three pages of invented minutes: the second is set in two columns.
MINUTES = (
    (
        "青溪市政协第九届主席会议第十二次会议纪要",
        "2024年5月16日上午，市政协主席周明远在市政协三楼会议室主持召开第九届主席会议第十二次会议。"
        "副主席孙丽华、郑国栋、钱文斌，秘书长马志刚出席会议，各专门委员会主任列席会议。",
        "会议传达学习了省政协常委会会议精神，听取了秘书长马志刚关于上半年重点协商工作进展情况的汇报。"
        "会议认为，上半年全市政协系统围绕营商环境、乡村振兴开展专题协商十一次，提出意见建议八十七条，"
        "其中四十二条已被有关部门采纳。",
    ),
    (
        "会议听取了文化文史和学习委员会关于西岭古村落保护利用情况的调研报告。报告提出，全市现存传统村落"
        "二十三个，其中九个保存状况较差，亟需抢救性保护。",
        "会议同意报告提出的建议，决定建议市政府设立古村落保护专项资金，每年安排不少于六百八十万元，"
        "并由副主席郑国栋牵头，于七月上旬组织委员赴西岭镇开展专题视察。",
        "会议审议通过了《市政协关于加强委员履职档案管理的办法》，要求各界别召集人于六月底前完成委员"
        "履职情况的登记和核对工作。",
        "会议还研究了市政协机关干部教育培训计划，同意安排机关干部分两批参加省政协举办的业务培训班。",
    ),
    (
        "会议强调，各专门委员会要聚焦市委中心工作，把调查研究贯穿协商议政全过程，确保建言建在要害处、议在关键时。",
        "会议确定，第九届常委会第六次会议于6月27日召开，主要议题为专题协商推进城乡供水一体化工作，"
        "会期一天，由提案委员会负责起草协商意见稿。",
        "出席：周明远、孙丽华、郑国栋、钱文斌、马志刚。记录：韩雪。",
    ),
)
TWO_COLUMNS = (2,)  # pages (from 1) set in two columns


def font(size: int = SIZE) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def _wrap(text: str, width: int, face: ImageFont.FreeTypeFont, draw: ImageDraw.ImageDraw) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and draw.textlength(line + ch, font=face) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    return [*lines, line] if line else lines


def render_page(paragraphs: Sequence[str], number: int, columns: int = 1, title: str | None = None) -> Image.Image:
    """One page: the running header, an optional title, the paragraphs (indented two characters)
    in ``columns`` columns filled one after the other, and "- n -" at the foot."""
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    face = font()
    draw.text(((WIDTH - draw.textlength(HEADER, font=face)) / 2, 50), HEADER, font=face, fill=0)
    draw.line((MARGIN, 100, WIDTH - MARGIN, 100), fill=0, width=2)
    y = 150
    if title:
        big = font(40)
        draw.text(((WIDTH - draw.textlength(title, font=big)) / 2, y), title, font=big, fill=0)
        y += 100
    col_width = (WIDTH - 2 * MARGIN - (columns - 1) * GUTTER) // columns
    lines = [line for p in paragraphs for line in _wrap("\u3000\u3000" + p, col_width, face, draw)]
    per_column = -(-len(lines) // columns)
    for c in range(columns):
        x = MARGIN + c * (col_width + GUTTER)
        for i, line in enumerate(lines[c * per_column : (c + 1) * per_column]):
            draw.text((x, y + i * LEADING), line, font=face, fill=0)
    foot = f"- {number} -"
    draw.text(((WIDTH - draw.textlength(foot, font=face)) / 2, HEIGHT - 90), foot, font=face, fill=0)
    return page


def minutes_pages(minutes: Sequence[Sequence[str]] = MINUTES) -> list[Image.Image]:
    """The pages of ``minutes``: the first paragraph of page 1 is its title."""
    return [
        render_page(
            paras[1:] if n == 1 else paras,
            n,
            columns=2 if n in TWO_COLUMNS else 1,
            title=paras[0] if n == 1 else None,
        )
        for n, paras in enumerate(minutes, 1)
    ]


def body(paragraphs: Sequence[str]) -> str:
    """What OCR should read of a page: its paragraphs, one a line."""
    return "\n".join(paragraphs)


def save_pdf(pages: Sequence[Image.Image], path: Path) -> Path:
    """An image-only PDF: one scanned picture a page, no text layer (as a scanner writes)."""
    pages[0].save(path, "PDF", save_all=True, append_images=list(pages[1:]), resolution=150)
    return path


def photo(page: Image.Image) -> bytes:
    """``page`` as a phone photo of it: tilted 1.5°, lit unevenly (a third darker towards one
    corner), grainy, slightly blurred, saved as a JPEG of quality 75."""
    tilted = page.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    light = Image.linear_gradient("L").resize(tilted.size).rotate(35, fillcolor=0)
    shaded = Image.composite(tilted, Image.eval(tilted, lambda v: int(v * 0.68)), light)
    grainy = Image.blend(shaded, Image.effect_noise(tilted.size, 40), 0.12)
    out = io.BytesIO()
    grainy.filter(ImageFilter.GaussianBlur(0.6)).convert("RGB").save(out, "JPEG", quality=75)
    return out.getvalue()


def levenshtein(a: str, b: str) -> int:
    """Edits (insertions, deletions, substitutions) turning ``a`` into ``b``."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def accuracy(read: str, truth: str) -> float:
    """Character accuracy of ``read`` against ``truth``: 1 - edit distance / length, both
    normalized as documents are (`rag.normalize`) and without blanks or line breaks."""
    from rag.normalize import normalize

    a, b = (re.sub(r"\s+", "", normalize(t)) for t in (read, truth))
    return 1 - levenshtein(a, b) / max(1, len(b))


_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = "建国晓梅志强红立新明远丽华国栋文斌志刚雪海燕春生秀英玉兰桂芳德胜振华永红建华晓东"
_TOPICS = (
    "城乡供水一体化",
    "老旧小区改造",
    "中小企业融资",
    "职业教育发展",
    "农村养老服务",
    "生态环境保护",
    "数字政府建设",
    "文化旅游融合",
)


def generated_minutes(pages: int, seed: int = 1) -> list[list[str]]:
    """``pages`` pages of invented minutes (~300 characters each), varied names, topics and numbers,
    for the benchmark: the same seed gives the same text."""
    rng = random.Random(seed)

    def name() -> str:
        return rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))

    out = []
    for _ in range(pages):
        topic = rng.choice(_TOPICS)
        out.append(
            [
                f"{rng.randint(2019, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日，市政协主席{name()}主持召开"
                f"专题协商会，围绕{topic}听取有关部门情况通报。副主席{name()}、{name()}出席会议。",
                f"会议指出，全市{topic}工作取得积极进展，累计投入资金{rng.randint(100, 9999)}万元，"
                f"惠及群众{rng.randint(2, 90)}万人，但仍存在统筹不够、投入不足等问题。",
                f"会议决定由{name()}牵头成立专题调研组，于{rng.randint(1, 12)}月底前形成调研报告，"
                f"提出不少于{rng.randint(5, 30)}条可操作的意见建议，报市委、市政府参阅。",
                f"委员{name()}、{name()}、{name()}先后发言，建议加强部门协同，完善考核机制，"
                f"确保各项措施落地见效。会议还研究了其他事项。",
            ]
        )
    return out
