"""A valid instance of any JSON Schema, worded from a prompt: the fake chat model's "answer".

Generic on purpose (the fake knows nothing of reelforge's Plan): objects get every property,
arrays as many items as the prompt asks for ("5 scenes"), strings read as sentences about the
prompt's topic, sized by a "N words" hint. Deterministic: the same prompt gives the same answer.
"""

from __future__ import annotations

import re
from typing import Any

_SENTENCES = (
    "Here is something most people never notice about {topic}.",
    "Researchers have spent years trying to understand {topic}.",
    "The surprising part is how simple the basic idea really is.",
    "Once you see it, you cannot look at {topic} the same way again.",
    "Think about what that means for everyday life.",
    "Every detail turns out to matter more than it first seems.",
    "Nature solved this problem long before we noticed it.",
    "That is why {topic} keeps surprising even the experts.",
    "So next time, take a closer look and remember this.",
)
_TEXT_KEYS = ("narration", "text", "content", "script", "body", "description", "summary")


def _topic(prompt: str) -> str:
    quoted = re.findall(r"\"([^\"]{3,200})\"", prompt)
    text = quoted[0] if quoted else prompt
    return " ".join(text.split()[:14]).rstrip(".?!") or "this topic"


def _count_hint(prompt: str, default: int) -> int:
    match = re.search(r"\b(\d{1,2})\s+(?:scenes|items|beats|parts)\b", prompt)
    return int(match.group(1)) if match else default


def _words_hint(prompt: str) -> int:
    match = re.search(r"\b(\d{1,3})\s+words\b", prompt)
    return int(match.group(1)) if match else 24


_OPENERS = ("", "Next,", "Then,", "On top of that,", "Here is the twist:", "And yet,",
            "Look closer:", "Even better,", "Meanwhile,", "In the end,", "Remember this:",
            "Finally,")


def _sentences(topic: str, words: int, index: int) -> str:
    """About ``words`` words about ``topic``; each index opens differently, so no two repeat."""
    inner = topic[:1].lower() + topic[1:]
    out: list[str] = [_OPENERS[index % len(_OPENERS)]] if index % len(_OPENERS) else []
    i = index * 2
    while True:
        sentence = _SENTENCES[i % len(_SENTENCES)].format(topic=inner)
        if len(out) == 1 and out[0].endswith(","):
            sentence = sentence[:1].lower() + sentence[1:]
        count = sum(len(s.split()) for s in out)
        if out and count + len(sentence.split()) > words * 1.2 and count >= words * 0.6:
            break
        out.append(sentence)
        i += 1
        if count + len(sentence.split()) >= words:
            break
    text = " ".join(out)
    return text[0].upper() + text[1:]


def instance_of(schema: dict[str, Any], prompt: str) -> Any:
    """A value that validates against ``schema`` (objects, arrays, $ref/$defs, anyOf, enums)."""
    defs = {**schema.get("$defs", {}), **schema.get("definitions", {})}
    topic = _topic(prompt)

    def make(node: dict[str, Any], key: str, index: int) -> Any:
        if "$ref" in node:
            return make(defs[node["$ref"].split("/")[-1]], key, index)
        for combo in ("anyOf", "oneOf", "allOf"):
            if combo in node:
                options = [o for o in node[combo] if o.get("type") != "null"] or node[combo]
                return make(options[0], key, index)
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][index % len(node["enum"])]
        kind = node.get("type", "object" if "properties" in node else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            properties = node.get("properties", {})
            return {name: make(sub, name, index) for name, sub in properties.items()}
        if kind == "array":
            low, high = node.get("minItems", 1), node.get("maxItems", 12)
            wanted = _count_hint(prompt, 3) if key in ("scenes", "items") else 3
            n = max(low, min(high, wanted))
            return [make(node.get("items", {}), key.rstrip("s"), i) for i in range(n)]
        if kind == "integer":
            return index if key == "index" else int(node.get("minimum", 0))
        if kind == "number":
            low, high = node.get("minimum", 0.0), node.get("maximum", 1.0)
            return round(low + (high - low) / 2, 3)
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return _string(key, index)

    def _string(key: str, index: int) -> str:
        lowered = key.lower()
        if lowered in _TEXT_KEYS or "narration" in lowered:
            return _sentences(topic, _words_hint(prompt), index)
        if "title" in lowered:
            return f"{topic[:1].upper()}{topic[1:]}" + (f", part {index + 1}" if index else "")
        if "prompt" in lowered and "negative" in lowered:
            return "blurry, low quality, text, watermark"
        if "prompt" in lowered:
            return f"cinematic shot about {topic}, scene {index + 1}, soft natural light"
        if lowered in ("mood", "emotion", "tone"):
            return ("calm", "energetic", "happy", "nostalgic", "tender")[index % 5]
        if lowered.startswith("hashtag") or lowered == "tag":
            return "#" + re.sub(r"\W+", "", topic.split()[-1] if topic.split() else "video")
        if "keyword" in lowered:
            words = [w for w in re.findall(r"[a-zA-Z]{4,}", topic)] or ["video"]
            return words[index % len(words)].lower()
        if "music" in lowered:
            return f"gentle instrumental music that fits {topic}"
        return f"{key.replace('_', ' ')} about {topic}"

    return make(schema, "", 0)
