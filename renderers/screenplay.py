"""Screenplay exports: Fountain text, Final Draft XML and a paginated PDF, in English or Chinese."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from memory.schema import Canon, Line, Script
from renderers.protocols import RenderError

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

EMOTION_WORDS_ZH = {
    "calm": "平静",
    "tense": "紧张",
    "angry": "愤怒",
    "afraid": "害怕",
    "sad": "难过",
    "joyful": "欣喜",
    "shocked": "震惊",
    "cold": "冷冷地",
    "tender": "温柔",
    "smug": "得意",
    "desperate": "绝望",
}
TIME_WORDS_ZH = {"dawn": "黎明", "morning": "早晨", "day": "日", "afternoon": "下午", "evening": "傍晚", "night": "夜"}
# 短剧 headings know only day and night: dawn through afternoon is 日, dusk onwards is 夜.
DUANJU_TIME = {"dawn": "日", "morning": "日", "day": "日", "afternoon": "日", "evening": "夜", "night": "夜"}

SceneHeadings = Literal["auto", "fountain", "duanju"]
"""How script exports head a scene: Fountain's `INT. PLACE - DAY`, the 短剧 `1-1 日 内 地点`, or auto by language."""


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _cue(name: str) -> str:
    # Fountain finds cues by upper case; CJK has none, so those cues are forced with "@".
    if _has_cjk(name) or not name.isascii():
        return "@" + name
    return name.upper()


def _action(text: str) -> str:
    # An all-caps action line would be read as a cue or heading; "!" forces action.
    return "!" + text if text.isupper() else text


def emotion_word(emotion: str, chinese: bool) -> str:
    """Return the word a parenthetical uses for an emotion: the emotion itself, or its Chinese word."""
    return EMOTION_WORDS_ZH.get(emotion, "") if chinese else emotion


def direction(line: Line, chinese: bool) -> str:
    """Return a dialogue line's parenthetical as the screenplay prints it (no brackets; "" for none)."""
    said = line.parenthetical or (emotion_word(line.emotion, chinese) if line.emotion != "neutral" else "")
    return said.strip("()")


def _line(line: Line, chinese: bool) -> list[str]:
    # Each line carries its id as a Fountain note (not printed by screenplay tools), so an edit reads back.
    if line.kind == "action":
        return [f"{_action(line.text)} [[{line.id}]]", ""]
    out = [_cue(line.cue or line.speaker_id or "")]
    if said := direction(line, chinese):
        out.append(f"({said})")
    out += [f"{line.text} [[{line.id}]]", ""]
    return out


def heading_style(headings: SceneHeadings, language: str) -> Literal["fountain", "duanju"]:
    """Resolve `auto`: Chinese series use the 短剧 convention, English ones Fountain's."""
    if headings == "auto":
        return "duanju" if language == "zh" else "fountain"
    return headings


def scene_heading(script: Script, index: int, canon: Canon, headings: SceneHeadings = "auto") -> str:
    """Return the heading of the index-th scene (from 1), without Fountain markup.

    Fountain: `INT. 医院走廊 - 日`; 短剧: `1-1 日 内 医院走廊` (episode-scene, 日/夜, 内/外, place).
    """
    scene = script.scenes[index - 1]
    location = canon.location(scene.location_id)
    name = location.name if location else scene.location_id
    interior = location.interior if location else True
    if heading_style(headings, canon.language) == "duanju":
        flashback = "（闪回）" if scene.flashback else ""
        return (
            f"{script.episode}-{index} {DUANJU_TIME[scene.time_of_day]} {'内' if interior else '外'} {name}{flashback}"
        )
    when = TIME_WORDS_ZH[scene.time_of_day] if canon.language == "zh" else scene.time_of_day.upper()
    flashback = " (FLASHBACK)" if scene.flashback else ""
    return f"{'INT.' if interior else 'EXT.'} {name} - {when}{flashback}"


# The title page's keys are Fountain syntax and stay English; what they say follows the series' language.
_TITLE_PAGE_EN = {
    "episode": "Episode {n}",
    "notes": "AI-generated script (dramaroom)",
    "offline": " by the offline procedural writer",
    "end": "CUT TO BLACK.",
}
_TITLE_PAGE_ZH = {
    "episode": "第{n}集",
    "notes": "AI生成剧本（dramaroom）",
    "offline": "，由离线程序化写手生成",
    "end": "黑场。",
}


def to_fountain(script: Script, canon: Canon, *, credit: str, headings: SceneHeadings = "auto") -> str:
    """Render a script as Fountain with a title page naming the model that wrote it.

    A 短剧 heading does not start with INT./EXT., so it carries Fountain's forced-heading "." for parsers.
    """
    words = _TITLE_PAGE_ZH if canon.language == "zh" else _TITLE_PAGE_EN
    out = [
        f"Title: {script.title}",
        f"Credit: {words['episode'].format(n=script.episode)}",
        f"Author: {credit}",
        "Notes: " + words["notes"] + (words["offline"] if "offline" in credit else ""),
        "",
    ]
    forced = "." if heading_style(headings, canon.language) == "duanju" else ""
    for index, scene in enumerate(script.scenes, start=1):
        out += [f"{forced}{scene_heading(script, index, canon, headings)} #{scene.id}#", ""]
        for line in scene.lines:
            out += _line(line, canon.language == "zh")
    out += [f"> {words['end']}", ""]
    return "\n".join(out)


# ------------------------------------------------------------------ FDX and PDF

SCREENPLAIN_HINT = "screenplay export needs screenplain: pip install 'screenplain>=0.11'"
# Characters a line must not start with (Chinese line-breaking rules): they hang at the end of the line before.
_NO_LINE_START = frozenset("，。、；：？！）》」』”’…—·,.;:?!)")
_TOKEN = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+"
)
# US Letter at 300 dpi, saved bilevel (CCITT G4: a few KB a page, crisp in print); indents in inches.
_DPI = 300
_PAGE = (int(8.5 * _DPI), 11 * _DPI)
_LINE_PX = _DPI // 6  # 12 pt: six lines an inch
_TOP, _BOTTOM = _DPI, 10 * _DPI
_INDENT = {"heading": 1.5, "action": 1.5, "character": 3.7, "parenthetical": 3.1, "dialogue": 2.5, "transition": 1.5}
_WIDTH = {"heading": 6.0, "action": 6.0, "character": 3.3, "parenthetical": 2.3, "dialogue": 3.5, "transition": 6.0}


def _parse(fountain_text: str) -> Any:
    """Parse Fountain with screenplain (untyped, so the screenplay is Any)."""
    try:
        from screenplain.parsers import fountain
    except ImportError as exc:
        raise RenderError(SCREENPLAIN_HINT) from exc
    return fountain.parse(io.StringIO(fountain_text))


def to_fdx(fountain_text: str) -> str:
    """Convert Fountain to Final Draft XML (.fdx); CJK cues must carry Fountain's '@' to be read as cues."""
    from screenplain.export.fdx import to_fdx as write_fdx

    out = io.StringIO()
    write_fdx(_parse(fountain_text), out)
    return out.getvalue()


def to_pdf(fountain_text: str, out: Path) -> Path:
    """Write a paginated screenplay PDF: screenplain's for Latin scripts when ReportLab is present, else drawn pages.

    screenplain's PDF is set in Courier, which has no Chinese glyphs, and needs ReportLab;
    Chinese scripts (and Latin ones without ReportLab) are laid out here and drawn with Pillow.
    """
    screenplay = _parse(fountain_text)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".pdf", dir=out.parent)
    os.close(fd)
    try:
        if _has_cjk(fountain_text) or not _write_screenplain_pdf(screenplay, Path(tmp)):
            _write_drawn_pdf(screenplay, Path(tmp), cjk=_has_cjk(fountain_text))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _write_screenplain_pdf(screenplay: Any, out: Path) -> bool:
    """Write screenplain's PDF; return False when ReportLab (its PDF dependency) is missing."""
    try:
        from screenplain.export.pdf import to_pdf as write_pdf
    except ImportError:
        return False
    write_pdf(screenplay, str(out))
    return True


def _wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Break text into lines no wider than width: between words for Latin, between characters for CJK."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if not line and token.isspace():
            continue
        if not line or measure(line + token) <= width or token[0] in _NO_LINE_START:
            line += token
            continue
        lines.append(line.rstrip())
        line = "" if token.isspace() else token
        while measure(line) > width and len(line) > 1:  # a word longer than the line: break it anywhere
            cut = max(1, max(i for i in range(1, len(line) + 1) if measure(line[:i]) <= width or i == 1))
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _blocks(screenplay: Any, measure: Callable[[str], float]) -> list[list[tuple[str, str]]]:
    """Turn screenplain paragraphs into blocks of (element, line) kept together on a page where they fit."""
    from screenplain.types import Action, Dialog, DualDialog, PageBreak, Slug, Transition

    def wrapped(kind: str, text: str) -> list[tuple[str, str]]:
        return [(kind, line) for line in _wrap(text, measure, _WIDTH[kind] * _DPI)]

    def dialog(para: Any) -> list[tuple[str, str]]:
        rows = [("character", str(para.character))]
        for is_parenthetical, text in para.blocks:
            rows += wrapped("parenthetical" if is_parenthetical else "dialogue", str(text))
        return rows

    blocks: list[list[tuple[str, str]]] = []
    for para in screenplay:
        if isinstance(para, Slug):
            number = f"  [{para.scene_number}]" if para.scene_number else ""
            blocks.append(wrapped("heading", str(para.line) + number))
        elif isinstance(para, Dialog):
            blocks.append(dialog(para))
        elif isinstance(para, DualDialog):  # drawn one after the other: side by side needs more width than CJK has
            blocks += [dialog(para.left), dialog(para.right)]
        elif isinstance(para, Action):
            blocks.append([row for line in para.lines for row in wrapped("action", str(line))])
        elif isinstance(para, Transition):
            blocks.append([("transition", str(para.line))])
        elif isinstance(para, PageBreak):
            blocks.append([])
    return blocks


# A run of text drawn on a page: x and y of its top-left in pixels, the text, its face.
_Run = tuple[float, float, str, "FreeTypeFont"]


def _write_drawn_pdf(screenplay: Any, out: Path, *, cjk: bool) -> None:
    """Lay out title page and body in screenplay format, draw each page with Pillow, save as a multi-page PDF.

    With ReportLab each page also carries its text, invisible over the drawn page, so the PDF is selectable
    and searchable in both languages (Chinese in the standard STSong-Light CID font every reader has).
    """
    from PIL import Image, ImageDraw

    regular, bold = _pdf_fonts(cjk)
    pages: list[Image.Image] = []
    runs: list[list[_Run]] = []

    def new_page() -> ImageDraw.ImageDraw:
        pages.append(Image.new("L", _PAGE, 255))
        runs.append([])
        draw = ImageDraw.Draw(pages[-1])
        if len(pages) > 1 or not title:
            number = f"{len(pages) - (1 if title else 0)}."
            put(draw, (_PAGE[0] - _DPI - regular.getlength(number), _DPI // 2), number, regular)
        return draw

    def put(draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str, face: FreeTypeFont) -> None:
        draw.text(at, text, font=face, fill=0)
        runs[-1].append((at[0], at[1], text, face))

    title = {str(key): [str(v) for v in values] for key, values in screenplay.title_page.items()}
    if title:
        draw = new_page()
        y = int(_PAGE[1] * 0.35)
        for key in ("Title", "Credit", "Author", "Source"):
            for value in title.get(key, []):
                face = bold if key == "Title" else regular
                put(draw, ((_PAGE[0] - face.getlength(value)) / 2, y), value, face)
                y += _LINE_PX * 2
        y = _BOTTOM - _LINE_PX * len(title.get("Notes", []) + title.get("Contact", []))
        for value in title.get("Notes", []) + title.get("Contact", []):
            put(draw, (_INDENT["action"] * _DPI, y), value, regular)
            y += _LINE_PX
    draw = new_page()
    y = _TOP
    for block in _blocks(screenplay, regular.getlength):
        height = (len(block) + 1) * _LINE_PX
        if not block or (y > _TOP and y + height > _BOTTOM and height <= _BOTTOM - _TOP):
            draw, y = new_page(), _TOP
        for kind, line in block:
            if y + _LINE_PX > _BOTTOM:
                draw, y = new_page(), _TOP
            face = bold if kind == "heading" else regular
            x = _INDENT[kind] * _DPI
            if kind == "transition":
                x = (_INDENT[kind] + _WIDTH[kind]) * _DPI - face.getlength(line)
            put(draw, (x, y), line, face)
            y += _LINE_PX
        y += _LINE_PX
    bilevel = [page.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE) for page in pages]
    meta = {
        "title": " ".join(title.get("Title", [])) or out.stem,
        "author": " ".join(title.get("Author", [])),
        "subject": "AI-generated screenplay",
        "creator": "dramaroom",
    }
    if not _write_text_layer_pdf(bilevel, runs, out, cjk=cjk, meta=meta):
        first, *rest = bilevel
        first.save(out, format="PDF", save_all=True, append_images=rest, resolution=float(_DPI), **meta)


def _write_text_layer_pdf(
    pages: list[Any], runs: list[list[_Run]], out: Path, *, cjk: bool, meta: dict[str, str]
) -> bool:
    """Write the drawn pages with their text invisible on top (render mode 3); False without ReportLab."""
    try:
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas
    except ImportError:
        return False
    name = "STSong-Light" if cjk else "Courier"
    if cjk and name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    scale = 72 / _DPI
    width, height = _PAGE[0] * scale, _PAGE[1] * scale
    pdf = canvas.Canvas(str(out), pagesize=(width, height), pageCompression=1)
    pdf.setTitle(meta["title"])
    pdf.setAuthor(meta["author"])
    pdf.setSubject(meta["subject"])
    pdf.setCreator(meta["creator"])
    for page, page_runs in zip(pages, runs, strict=True):
        pdf.drawImage(ImageReader(page), 0, 0, width=width, height=height)
        for x, y, text, face in page_runs:
            size = face.size * scale
            ascent = face.getmetrics()[0]
            drawn = face.getlength(text) * scale
            natural = pdfmetrics.stringWidth(text, name, size) or drawn
            line = pdf.beginText(x * scale, height - (y + ascent) * scale)
            line.setTextRenderMode(3)  # invisible: the drawn page shows, the text is there to select and search
            line.setFont(name, size)
            line.setHorizScale(100 * drawn / natural if natural else 100)
            line.textOut(text)
            pdf.drawText(line)
        pdf.showPage()
    pdf.save()
    return True


def _pdf_fonts(cjk: bool) -> tuple[FreeTypeFont, FreeTypeFont]:
    """Return (regular, bold) faces: Courier Prime (screenplain's own) for Latin, a free CJK font for Chinese."""
    from PIL import ImageFont

    from renderers import fonts

    size = _LINE_PX
    if cjk:
        # CJK glyphs fill the whole em: a smaller size leaves leading between the six lines an inch.
        size = round(_LINE_PX * 0.8)
        return fonts.font(size, "zh"), fonts.font(size, "zh", bold=True)
    spec = importlib.util.find_spec("screenplain")
    folder = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else None
    courier = folder / "export" / "courier_prime" if folder else None
    if courier is not None and (courier / "Courier Prime.ttf").is_file():
        regular = ImageFont.truetype(str(courier / "Courier Prime.ttf"), size)
        heavy = courier / "Courier Prime Bold.ttf"
        return regular, ImageFont.truetype(str(heavy), size) if heavy.is_file() else regular
    return fonts.font(size, "en"), fonts.font(size, "en", bold=True)
