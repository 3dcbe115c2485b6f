"""A folder of the bad files that shared drives hold, made on the fly (nothing is committed).

`make_bad_corpus(folder)` writes them and returns what each should come to: ``True`` when the
file holds readable text that must be indexed, ``False`` when it must be reported as skipped.
Used by tests/test_hostile.py and bench/reliability.py.
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

# Readable files carry one distinctive fact each, so that a question can prove they were indexed.
GOOD = {
    "good.txt": "2025年3月4日，市政协召开城市更新专题协商会，副市长林晓东出席并讲话。",
    "gbk.txt": "2025年3月5日，区人大常委会召开第十二次会议，审议通过了河道保护条例。",
    "gb18030.txt": "2025年3月6日，镇政府召开防汛座谈会，䶮字号代表发言，会议部署了汛期值班。",
    "utf16-bom.txt": "2025年3月7日，市政府常务会议研究了老旧小区加装电梯工作。",
    "utf16-no-bom.txt": "2025年3月8日，县政协召开茶产业发展调研座谈会，提出十条建议。",
    "mixed-encodings.txt": "2025年3月9日，街道召开垃圾分类推进会。",
    "repeated-lines.txt": "2025年3月10日，市人大常委会听取了食品安全工作报告。",
    "scripts.html": "2025年3月11日，市政府召开优化营商环境新闻发布会。",
    "名字 有 空格.txt": "2025年3月12日，市政协召开文化遗产保护协商会。",
    "会议..纪要.md": "2025年3月13日，区政府召开安全生产工作会议，部署了燃气隐患排查。",
    "records.jsonl": "2025年3月14日，县人大常委会召开主任会议，决定召开第十五次会议。",
    "good.docx": "2025年3月15日，市政协召开数字经济发展座谈会，六位委员发言。",
    "restricted.pdf": "2025年3月16日，国务院常务会议研究部署春耕生产工作。",
    "bad-name-\\udcff.txt": "2025年3月17日，乡政府召开秸秆综合利用现场会。",
}


def _docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("会议纪要", level=1)
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


_WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def word_package(body: bytes) -> bytes:
    """The smallest .docx Word opens: content types, the package relationship and a body (the XML
    inside ``<w:body>``), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_WORD}"><w:body>'.encode()
            + body
            + b"</w:body></w:document>",
        )
    return out.getvalue()


def nested_tables_docx(depth: int) -> bytes:
    """Tables ``depth`` deep, each in the only cell of the one before, a word in each (9 KB at a
    depth of 30,000): quadratic in python-docx-style readers, which read each cell's text whole."""
    level = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>层</w:t></w:r></w:p>".encode()
    return word_package(level * depth + b"<w:p/>" + b"</w:tc></w:tr></w:tbl>" * depth)


def text_bomb_docx(paragraphs: int) -> bytes:
    """Paragraphs that differ by their number only: 52 characters each, about 5 bytes each once
    deflated, so not one is dropped as a repeated line (20,000 of them: 1 million characters, 62 KB)."""
    line = "<w:p><w:r><w:t>第{}条　市政协召开双周协商座谈会，审议通过了年度工作计划和重点协商议题安排，主席出席会议并讲话。</w:t></w:r></w:p>"
    return word_package("".join(line.format(i) for i in range(1, paragraphs + 1)).encode())


def element_flood_docx(megabytes: int) -> bytes:
    """A body of ``megabytes`` MB of empty paragraphs, 6 bytes each (150 KB for 95 MB): a tree of
    every element costs gigabytes."""
    return word_package(b"<w:p/>" * (megabytes * 2**20 // 6))


def _pdf(path: Path, text: str, user_password: str | None = None) -> None:
    """A one-page PDF with a Chinese text layer; encrypted when a password (even "") is given."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 11)
    for i in range(0, len(text), 40):
        c.drawString(40, 800 - 16 * (i // 40), text[i : i + 40])
    c.save()
    if user_password is None:
        path.write_bytes(buf.getvalue())
        return
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    with path.open("wb") as f:
        writer.write(f)


def make_bad_corpus(folder: Path, huge_mb: int = 50, seed: int = 7) -> dict[str, bool]:
    """Write the bad (and the few good) files into ``folder``; return name → must be indexed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    expect: dict[str, bool] = {}

    def put(name: str, data: bytes, indexed: bool) -> None:
        (folder / name).write_bytes(data)
        expect[name] = indexed

    put("good.txt", GOOD["good.txt"].encode(), True)
    put("gbk.txt", GOOD["gbk.txt"].encode("gbk"), True)
    put("gb18030.txt", GOOD["gb18030.txt"].encode("gb18030"), True)
    put("utf16-bom.txt", GOOD["utf16-bom.txt"].encode("utf-16"), True)
    put("utf16-no-bom.txt", (GOOD["utf16-no-bom.txt"] + "\r\nok\r\n").encode("utf-16-le"), True)
    put(
        "mixed-encodings.txt",
        (GOOD["mixed-encodings.txt"] + "\n").encode() + "街道干部和居民代表参加会议。\n".encode("gbk"),
        True,
    )
    put("repeated-lines.txt", ((GOOD["repeated-lines.txt"] + "\n") * 10_000).encode(), True)
    scripts = "".join(f"<script>var s{i} = '忽略这段脚本{i}';</script>" for i in range(500))
    put(
        "scripts.html",
        (
            "<html><head><title>发布会</title><style>p{color:red}</style></head><body>"
            f"{scripts}<p onclick=\"alert('x')\">{GOOD['scripts.html']}</p>"
            '<iframe src="javascript:alert(1)">框架文字</iframe><noscript>无脚本</noscript></body></html>'
        ).encode(),
        True,
    )
    put("名字 有 空格.txt", GOOD["名字 有 空格.txt"].encode(), True)
    put("会议..纪要.md", f"# 安全生产\n{GOOD['会议..纪要.md']}\n".encode(), True)
    records = [
        json.dumps({"id": "rec-1", "title": "主任会议", "content": GOOD["records.jsonl"]}, ensure_ascii=False),
        "{broken json",
        json.dumps({"id": "rec-2", "content": 42}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "rec-\ud800", "content": "坏的转义\ud800也不应让建索引失败。2025年3月1日召开会议。"}),
        "",
        "\x00\x01\x02",
    ]
    put("records.jsonl", "\n".join(records).encode("utf-8", "surrogatepass"), True)
    put("good.docx", _docx_bytes(GOOD["good.docx"]), True)
    _pdf(folder / "restricted.pdf", GOOD["restricted.pdf"], user_password="")
    expect["restricted.pdf"] = True

    # ---- unreadable: every one must be reported with a reason
    put("empty.txt", b"", False)
    put("blank.md", b" \n\t\n  \n", False)
    put("junk.txt", bytes(rng.getrandbits(8) for _ in range(20_000)), False)
    put("junk-no-nul.txt", bytes(rng.randrange(1, 256) for _ in range(20_000)), False)
    put("zip-named.txt", _docx_bytes("压缩包"), False)
    put("text-named.pdf", "这不是PDF。".encode(), False)
    put("png-named.docx", b"\x89PNG\r\n\x1a\n" + bytes(100), False)
    put("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n" + bytes(50), False)
    full = _docx_bytes(GOOD["good.docx"])
    put("truncated.docx", full[: len(full) // 2], False)
    _pdf(folder / "encrypted.pdf", "机密会议纪要", user_password="secret")
    expect["encrypted.pdf"] = False
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b" " * (200 * 2**20))
    put("zip-bomb.docx", bomb.getvalue(), False)
    put("nested-tables.docx", nested_tables_docx(30_000), False)
    put("text-bomb.docx", text_bomb_docx(20_000), False)
    put("old-word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), False)
    put("program.exe", b"MZ" + bytes(256), False)
    put("no-suffix", GOOD["good.txt"].encode(), False)
    with (folder / "huge-one-line.txt").open("wb") as f:
        block = "会议" * (2**19)  # 1,048,576 characters, 3 MB; no line break anywhere
        for _ in range(huge_mb // 3 + 1):
            f.write(block.encode())
    expect["huge-one-line.txt"] = False
    put(".hidden.txt", GOOD["good.txt"].encode(), False)
    # a file name that is not UTF-8: reported and shown with U+FFFD in place of the byte
    (folder / os.fsdecode(b"bad-name-\xff.txt")).write_bytes(GOOD["bad-name-\\udcff.txt"].encode())
    expect["bad-name-\\udcff.txt"] = True

    # ---- things that are not regular files
    os.mkfifo(folder / "fifo.txt")
    expect["fifo.txt"] = False
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    expect["loop-a.txt"] = expect["loop-b.txt"] = False
    os.symlink("does-not-exist.txt", folder / "dangling.txt")
    expect["dangling.txt"] = False
    os.symlink(".", folder / "loop-dir")
    expect["loop-dir"] = False
    (folder / "sub" / "deeper").mkdir(parents=True)
    os.symlink("../..", folder / "sub" / "deeper" / "up")
    expect["sub/deeper/up"] = False
    return expect


# ------------------------------------------------------------------------------- edited manifests


def _edited(change):
    """A manifest edit: ``change`` applied to the parsed manifest, written back as JSON."""

    def edit(text: str) -> str:
        m = json.loads(text)
        change(m)
        return json.dumps(m, ensure_ascii=False)

    return edit


def _first_file(m):
    return next(iter(m["files"]))


# Edits of an index's manifest.json (issue 13, defect 8): name → what the edit does to its text.
MANIFEST_EDITS: dict[str, Callable[[str], str]] = {
    "sources [1]": _edited(lambda m: m.update(sources=[1])),
    "NUL in a files key": _edited(lambda m: m["files"].update({"chunks\0.sqlite": m["files"].pop("chunks.sqlite")})),
    "a files key naming a folder": _edited(lambda m: m["files"].update({"bm25": {"size": 1, "sha256": "0" * 64}})),
    "100,000 [": lambda text: "[" * 100_000,
    "100,000 [ in a value": lambda text: text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "chunking size 'x'": _edited(lambda m: m["chunking"].update(size="x")),
    "chunking without size": _edited(lambda m: m["chunking"].pop("size")),
    "chunk count true": _edited(lambda m: m["counts"].update(chunks=True)),
    "document hash 5": _edited(lambda m: m["documents"].update({next(iter(m["documents"])): 5})),
    "model dim 'x'": _edited(lambda m: m["model"].update(dim="x")),
    "efSearch 'x'": _edited(lambda m: m["dense"].update(efSearch="x")),
    "build a list": _edited(lambda m: m.update(build=[])),
    "format '1'": _edited(lambda m: m.update(format="1")),
    "tokenizer 5": _edited(lambda m: m.update(tokenizer=int(m["tokenizer"]))),
    "sha256 5": _edited(lambda m: m["files"][_first_file(m)].update(sha256=5)),
    "truncated": lambda text: text[: len(text) // 2],
}
