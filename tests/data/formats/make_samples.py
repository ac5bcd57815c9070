"""Write the caption/ASR samples of one short conversation (spoken.json) in each format,
with the quirks real files have. Run once; the outputs are committed:

    python tests/data/formats/make_samples.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPOKEN = json.loads((HERE / "spoken.json").read_text(encoding="utf-8"))


def vtt_time(t: float) -> str:
    h, rest = divmod(round(t * 1000), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def srt_time(t: float) -> str:
    return vtt_time(t).replace(".", ",")


def zoom() -> str:
    out = ["WEBVTT", "", "NOTE recorded with Zoom; names as shown in the meeting", ""]
    for n, u in enumerate(SPOKEN, 1):
        out += [str(n), f"{vtt_time(u['start'])} --> {vtt_time(u['end'])}"]
        out += [f"{u['speaker']}: {u['text']}", ""]
    return "\n".join(out)


def voices() -> str:
    out = ["WEBVTT - panel recording", "", "STYLE", '::cue(v[voice="Alice"]) { color: red }', ""]
    out += ["NOTE", "a note block", "over two lines", ""]
    for n, u in enumerate(SPOKEN):
        if n == 11:
            continue  # said in the two-voice cue before
        if n == 10:  # two voices in one cue, closed with </v>
            nxt = SPOKEN[n + 1]
            body = f"<v {u['speaker']}>{u['text']}</v>\n<v {nxt['speaker']}>{nxt['text']}</v>"
            out += [f"{vtt_time(u['start'])} --> {vtt_time(nxt['end'])}", body, ""]
            continue
        words = u["text"].replace("&", "&amp;").split()
        half = max(1, len(words) // 2)
        lines = [" ".join(words[:half]), " ".join(words[half:])]
        tag = "v.loud" if n % 5 == 3 else "v"
        body = f"<{tag} {u['speaker']}>{lines[0]}" + (f"\n<i>{lines[1]}</i>" if lines[1] else "")
        setting = " line:0 position:20% size:60% align:start" if n % 3 == 0 else ""
        out += [f"{vtt_time(u['start'])} --> {vtt_time(u['end'])}{setting}", body, ""]
    return "\n".join(out)


def youtube() -> str:
    """Auto-captions: ~7-word lines, each cue repeating the previous line above the new
    words, which carry inline timings; a 10 ms cue shows the finished line alone."""
    words: list[tuple[float, str]] = []
    for u in SPOKEN:
        ws = u["text"].split()
        step = (u["end"] - u["start"]) / len(ws)
        words += [(u["start"] + i * step, w) for i, w in enumerate(ws)]
    lines = [words[i : i + 7] for i in range(0, len(words), 7)]
    out = ["WEBVTT", "Kind: captions", "Language: en", ""]
    previous = " "
    for k, line in enumerate(lines):
        start = line[0][0]
        end = lines[k + 1][0][0] if k + 1 < len(lines) else line[-1][0] + 1.0
        tagged = line[0][1] + "".join(f"<{vtt_time(t)}><c> {w}</c>" for t, w in line[1:])
        plain = " ".join(w for _, w in line)
        out += [f"{vtt_time(start)} --> {vtt_time(end - 0.01)} align:start position:0%"]
        out += [previous, tagged, ""]
        out += [f"{vtt_time(end - 0.01)} --> {vtt_time(end)} align:start position:0%"]
        out += [plain, " ", ""]
        previous = plain
    return "\n".join(out)


def subrip() -> str:
    out: list[str] = []
    last = None
    for n, u in enumerate(SPOKEN, 1):
        name = u["speaker"].split()[0].upper()
        text = u["text"] if name == last else f"{name}: {u['text']}"
        if n == 4:
            text = "{\\an8}<i>" + text + "</i>"
        last = name
        out += [str(n), f"{srt_time(u['start'])} --> {srt_time(u['end'])}", text, ""]
    return "\r\n".join(out)


def whisper(diarized: bool) -> str:
    segments = []
    for n, u in enumerate(SPOKEN):
        seg = {"id": n, "seek": 0, "start": u["start"], "end": u["end"], "text": " " + u["text"]}
        seg |= {"tokens": [50364, 1000 + n], "temperature": 0.0, "avg_logprob": -0.21}
        if diarized:
            seg["speaker"] = "SPEAKER_0" + str(
                sorted({x["speaker"] for x in SPOKEN}).index(u["speaker"])
            )
            seg["words"] = [
                {"word": w, "start": u["start"], "end": u["end"], "score": 0.9}
                for w in u["text"].split()[:2]
            ]
        segments.append(seg)
    if diarized:
        return json.dumps({"segments": segments, "word_segments": segments[0]["words"]}, indent=2)
    text = "".join(s["text"] for s in segments)
    return json.dumps({"text": text, "segments": segments, "language": "en"}, indent=2)


def faster_whisper() -> str:
    return json.dumps(
        [
            {"start": u["start"], "end": u["end"], "text": " " + u["text"], "no_speech_prob": 0.01}
            for u in SPOKEN
        ]
    )


if __name__ == "__main__":
    for name, text in [
        ("zoom.vtt", zoom()),
        ("voices.vtt", voices()),
        ("youtube_auto.vtt", youtube()),
        ("speakers.srt", subrip()),
        ("whisper.json", whisper(False)),
        ("whisperx_diarized.json", whisper(True)),
        ("faster_whisper.json", faster_whisper()),
    ]:
        (HERE / name).write_bytes(text.encode("utf-8"))
