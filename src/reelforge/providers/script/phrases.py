"""Phrase banks of the template writer, by template and scene role.

Placeholders: {topic} (the subject, lower case), {Topic} (capitalised), {claim} (what the prompt
says about the subject, may be empty), {key} (a key word), {n} (scene number in a list).
Every sentence must read well for any subject; keep them short (a subtitle cue each).
"""

from __future__ import annotations

HOOKS: dict[str, list[str]] = {
    "explainer": [
        "{Topic}: the real story.",
        "{Question}",
        "Here is a question most people never stop to ask: {question_lower}",
        "You have probably heard of {topic}, but almost nobody knows the full story.",
    ],
    "story": [
        "This is a story about {topic}.",
        "Remember {topic}?",
        "It started the way most great stories do: quietly, with {topic}.",
        "Nobody expected much from {topic}. They were wrong.",
    ],
    "listicle": [
        "Here are the things you need to know about {topic}.",
        "The list: {topic}.",
        "{Count} points, one subject: {topic}.",
        "Let's count down what makes {topic} remarkable.",
    ],
    "promo": [
        "Meet {Topic}.",
        "What if {topic} could make your day easier?",
        "You deserve better, and {topic} is here to prove it.",
    ],
}

BODY: dict[str, list[str]] = {
    "explainer": [
        "Start with the basics: {topic} {claim_or_works} in ways that surprise even experts.",
        "Look closer at {key}, and a pattern starts to appear.",
        "Scientists have studied {key} for years, and the results keep getting stranger.",
        "The short answer has to do with problems we rarely notice.",
        "Think of it like this: every detail of {key} has a job to do.",
        "That is not an accident. It is the result of a very long process.",
        "And here is the part that most explanations leave out.",
        "It turns out {key} matters far more than it first appears.",
        "Each small piece connects to the next, like links in a chain.",
        "When you see it in action, it is hard to look away.",
        "Once you understand {key}, everything else starts to make sense.",
        "The evidence is clear, even if the details are still being worked out.",
        "Here is why.",
        "It is no accident.",
    ],
    "story": [
        "At first, {key} seemed like a small thing.",
        "But small things have a way of growing.",
        "Day after day, {topic} kept moving forward.",
        "There were setbacks, and there were moments of doubt.",
        "Then something changed, and nothing was ever the same.",
        "People began to notice {key}, and they started to talk.",
        "What happened next surprised everyone who was watching.",
        "It was not easy, but it was worth every step.",
        "Looking back, the signs had been there all along.",
        "And in the quiet that followed, a new chapter began.",
        "Then everything changed.",
        "Nobody saw it coming.",
    ],
    "listicle": [
        "This one is easy to miss, but it matters.",
        "This is where {topic} really stands out.",
        "Most people get this one wrong.",
        "It sounds simple, yet the details are fascinating.",
        "Keep this in mind the next time you think about {topic}.",
        "Experts rank this among the most important points.",
        "Once you notice it, you will see it everywhere.",
        "This is the reason {topic} keeps people talking.",
        "Easy to miss.",
        "Remember this one.",
    ],
    "promo": [
        "It is designed around one idea: less effort, better results.",
        "It is simple to start and hard to put down.",
        "Every detail has been tested with real people.",
        "It saves time, so you can focus on what matters.",
        "No clutter, no confusion, just what you need.",
        "People who try {topic} tend to stick with it.",
        "It works the way you already do.",
        "And it keeps getting better with every update.",
        "Simple. Fast. Yours.",
        "It just works.",
    ],
}

CLOSERS: dict[str, list[str]] = {
    "explainer": [
        "So next time you think about {topic}, remember: it is smarter than it looks.",
        "That is the real story of {topic}. Follow for more.",
        "Follow for more.",
        "Now you know more about {topic} than most people ever will.",
    ],
    "story": [
        "And that is how {topic} changed everything.",
        "The story of {topic} is still being written.",
        "Some stories end. This one is only beginning.",
        "The end, for now.",
    ],
    "listicle": [
        "Which one surprised you most? Tell us in the comments.",
        "Save this list, and share it with someone who loves {topic}.",
        "That is the list. Follow for more about {topic}.",
        "Save this list.",
    ],
    "promo": [
        "Try {topic} today and see the difference for yourself.",
        "{Topic}. Made for the way you live.",
        "Get started now, and thank yourself later.",
        "Try it today.",
    ],
}

TITLES: dict[str, list[str]] = {
    "explainer": [
        "The basics",
        "Look closer",
        "The surprise",
        "How it works",
        "The hidden part",
        "Why it matters",
        "The evidence",
        "Putting it together",
    ],
    "story": [
        "The beginning",
        "First signs",
        "The struggle",
        "The turn",
        "What happened next",
        "The change",
        "Looking back",
        "A new chapter",
    ],
    "listicle": ["Number {n}"] * 8,
    "promo": [
        "The idea",
        "Easy to start",
        "Tested for real",
        "Saves time",
        "Just what you need",
        "Loved by users",
        "Works your way",
        "Always improving",
    ],
}

# Scene mood arcs: the first scene, the middle scenes, the last scene.
MOOD_ARCS: dict[str, tuple[str, str, str]] = {
    "explainer": ("mysterious", "calm", "happy"),
    "story": ("nostalgic", "dramatic", "tender"),
    "listicle": ("energetic", "happy", "energetic"),
    "promo": ("energetic", "happy", "happy"),
}

MUSIC_BRIEFS: dict[str, str] = {
    "explainer": "curious, light, steadily building instrumental background with a hopeful lift",
    "story": "cinematic, emotional, slow build from quiet piano to a warm full ending",
    "listicle": "upbeat, punchy, energetic electronic beat that keeps momentum",
    "promo": "bright, modern, confident and happy pop instrumental",
}
