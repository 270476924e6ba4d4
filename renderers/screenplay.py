"""Fountain screenplay export: plain text that screenwriting tools (and screenplain) open."""

from __future__ import annotations

from memory.schema import Canon, Line, Script

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


def _line(line: Line, chinese: bool) -> list[str]:
    if line.kind == "action":
        return [_action(line.text), ""]
    out = [_cue(line.cue or line.speaker_id or "")]
    emotion = EMOTION_WORDS_ZH.get(line.emotion, "") if chinese else line.emotion
    direction = line.parenthetical or (emotion if line.emotion != "neutral" else "")
    if direction:
        out.append(f"({direction.strip('()')})")
    out += [line.text, ""]
    return out


def to_fountain(script: Script, canon: Canon, *, credit: str) -> str:
    """Render a script as Fountain with a title page naming the model that wrote it."""
    out = [
        f"Title: {script.title}",
        f"Credit: Episode {script.episode}",
        f"Author: {credit}",
        "Notes: AI-generated script (dramaroom)" + (" by the offline procedural writer" if "offline" in credit else ""),
        "",
    ]
    for scene in script.scenes:
        location = canon.location(scene.location_id)
        name = location.name if location else scene.location_id
        prefix = "INT." if (location.interior if location else True) else "EXT."
        when = TIME_WORDS_ZH[scene.time_of_day] if canon.language == "zh" else scene.time_of_day.upper()
        flashback = " (FLASHBACK)" if scene.flashback else ""
        out += [f"{prefix} {name} - {when}{flashback} #{scene.id}#", ""]
        for line in scene.lines:
            out += _line(line, canon.language == "zh")
    out += ["> CUT TO BLACK.", ""]
    return "\n".join(out)
