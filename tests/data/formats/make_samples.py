"""Write the caption/ASR samples of one short conversation (spoken.json) in each format,
with the quirks real files have. Run once; the outputs are committed:

    python tests/data/formats/make_samples.py
"""

from __future__ import annotations

import json
from html import escape
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


SPEAKERS = sorted({u["speaker"] for u in SPOKEN})


def _timed_words(u: dict) -> list[tuple[float, float, str]]:
    ws = u["text"].split()
    step = (u["end"] - u["start"]) / len(ws)
    return [(u["start"] + i * step, u["start"] + (i + 1) * step, w) for i, w in enumerate(ws)]


def assemblyai() -> str:
    """AssemblyAI's transcript with speaker labels: times in milliseconds, speakers "A"..."""
    utterances = [
        {
            "confidence": 0.93,
            "end": round(u["end"] * 1000),
            "speaker": "ABC"[SPEAKERS.index(u["speaker"])],
            "start": round(u["start"] * 1000),
            "text": u["text"],
            "words": [
                {"text": w, "start": round(a * 1000), "end": round(b * 1000), "confidence": 0.9}
                for a, b, w in _timed_words(u)[:3]
            ],
        }
        for u in SPOKEN
    ]
    text = " ".join(u["text"] for u in SPOKEN)
    data = {"id": "5551722-f677", "status": "completed", "language_code": "en_us", "text": text}
    data |= {"utterances": utterances, "audio_duration": int(SPOKEN[-1]["end"])}
    return json.dumps(data, indent=2)


def deepgram() -> str:
    """Deepgram's pre-recorded response with utterances and diarization: seconds, speaker 0..."""
    utterances = [
        {
            "start": u["start"],
            "end": u["end"],
            "confidence": 0.98,
            "channel": 0,
            "transcript": u["text"],
            "speaker": SPEAKERS.index(u["speaker"]),
            "id": f"utt-{n}",
            "words": [
                {"word": w.lower().strip(".,?!"), "start": a, "end": b, "punctuated_word": w}
                for a, b, w in _timed_words(u)[:3]
            ],
        }
        for n, u in enumerate(SPOKEN)
    ]
    transcript = " ".join(u["text"] for u in SPOKEN)
    channel = {"alternatives": [{"transcript": transcript, "confidence": 0.99, "words": []}]}
    metadata = {"request_id": "a1b2", "duration": SPOKEN[-1]["end"], "channels": 1}
    return json.dumps(
        {"metadata": metadata, "results": {"channels": [channel], "utterances": utterances}},
        indent=2,
    )


def rev() -> str:
    """Rev's transcript JSON: monologues of text and punctuation elements, named speakers."""
    monologues = []
    for u in SPOKEN:
        elements = []
        for a, b, w in _timed_words(u):
            word, mark = (w[:-1], w[-1]) if w[-1] in ".,?!" else (w, "")
            elements.append({"type": "text", "value": word, "ts": a, "end_ts": b, "confidence": 1})
            if mark:
                elements.append({"type": "punct", "value": mark})
            elements.append({"type": "punct", "value": " "})
        monologues.append(
            {
                "speaker": SPEAKERS.index(u["speaker"]),
                "speaker_name": u["speaker"],
                "elements": elements[:-1],
            }
        )
    return json.dumps({"monologues": monologues})


def html_page() -> str:
    """A podcast site's transcript page, saved from the browser: chrome around it (head,
    navigation, the episode header, an aside, the footer, scripts), entities, and each
    turn a paragraph "<strong>Name</strong> (h:mm:ss): words"; one paragraph holds two
    turns split by <br>."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Quarterly planning call &mdash; transcript</title>",
        "<style>p { margin: 0 0 1em }</style><script>window.dataLayer = [];</script>",
        "</head><body>",
        '<nav><a href="/">Home</a> <a href="/episodes">Episodes</a></nav>',
        "<header><h1>Quarterly planning call</h1><p>Episode 12</p></header>",
        "<main><article>",
    ]

    def turn(u: dict) -> str:
        h, rest = divmod(int(u["start"]), 3600)
        stamp = f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return f"<strong>{u['speaker']}</strong> ({stamp}): {escape(u['text'], quote=False)}"

    for n, u in enumerate(SPOKEN):
        if n == 5:
            continue  # said in the paragraph before
        if n == 4:
            out.append(f"<p>{turn(u)}<br>\n{turn(SPOKEN[n + 1])}</p>")
            continue
        out.append(f"<p>{turn(u)}</p>")
    out += [
        "</article></main>",
        "<aside><p>Subscribe to our newsletter for every new episode.</p></aside>",
        "<footer>&copy; 2026 Example Media</footer><script>track();</script>",
        "</body></html>",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    for name, text in [
        ("zoom.vtt", zoom()),
        ("voices.vtt", voices()),
        ("youtube_auto.vtt", youtube()),
        ("speakers.srt", subrip()),
        ("whisper.json", whisper(False)),
        ("whisperx_diarized.json", whisper(True)),
        ("faster_whisper.json", faster_whisper()),
        ("assemblyai.json", assemblyai()),
        ("deepgram.json", deepgram()),
        ("rev.json", rev()),
        ("transcript.html", html_page()),
    ]:
        (HERE / name).write_bytes(text.encode("utf-8"))
