"""What each figure of the season evaluation means, and what it cannot tell (eval.json `definitions`, `limits`)."""

from __future__ import annotations

from evals.metrics_payoff import OPENING_LINES
from evals.metrics_repeats import MIN_UNITS, NEAR_JACCARD, STOCK_EPISODES
from evals.metrics_structure import BEAT_MATCH, HOOK_WINDOW_S

DEFINITIONS: dict[str, str] = {
    "hook_in_3s": (
        f"A shot that starts before {HOOK_WINDOW_S:g} s of shot-list time covers a line (or shows a frame) containing "
        f"at least {BEAT_MATCH:.0%} of the brief's opening-hook content words (Chinese: character bigrams), the "
        "speaker's cue removed ('brief_hook'); failing that, a line in that window is played tense, angry, afraid, "
        "shocked, cold, desperate or smug ('conflict')."
    ),
    "cliffhanger_in_last_shot": (
        f"The last shot's line and framing contain at least {BEAT_MATCH:.0%} of the brief's cliffhanger content words."
    ),
    "runtime": "Sum of the shot list's durations, against the script's target seconds.",
    "dialogue_share": "Share of screen time on shots that cover a dialogue line (action shots are the rest).",
    "screen_time": "Seconds a character is in frame: the sum of the durations of the shots that list them.",
    "continuity_errors": (
        "Continuity findings of severity revise or block, by ConStory-Bench category. First draft: the notes that "
        "made the room revise draft r0 (or the final review when r0 was never revised). Remaining: the final review."
    ),
    "errors_per_10k": "Errors per 10,000 words of the script's lines (Chinese: per 10,000 characters).",
    "distinct_2": "Unique token bigrams over all bigrams of the season's lines, pooled (higher is more varied).",
    "self_bleu": (
        "BLEU-4 (clipped n-gram precision, brevity penalty, Chen & Cherry smoothing 1) of each line against every "
        "line of the other episodes, averaged per episode, then over episodes (higher is more repetitive)."
    ),
    "compression_ratio": "UTF-8 bytes over gzip bytes of the season's lines (higher is more repetitive).",
    "embedding_similarity": (
        "Cosine similarity of episode embeddings: the mean of normalised MiniLM embeddings of ~120-token chunks."
    ),
    "cliche_rate": "Lexicon hits per 1,000 words (Chinese: characters); templates are stock beats and lines. "
    "Terms the premise itself uses are the story's own and not counted (listed as exempt).",
    "cost_per_finished_minute": (
        "Estimated USD of every production model call in the trace store over committed screen time (shot lists), "
        "with the prices of evals/pricing.py overridden by [prices] in dramaroom.toml; offline calls cost 0. Calls "
        "of a showrunner chat run are not production: they are reported on their own line ('chat')."
    ),
    "repeated_dialogue": (
        "Dialogue lines split into sentences at end punctuation and normalised (English: case, punctuation and "
        f"spacing folded; Chinese: punctuation and spacing removed); sentences under {MIN_UNITS['en']} words / "
        f"{MIN_UNITS['zh']} characters are left out. Verbatim: the same normalised sentence twice or more in the "
        f"season. Near-verbatim: distinct sentences whose character 3-gram Jaccard is at least {NEAR_JACCARD:g} "
        "once cast names are masked, grouped transitively."
    ),
    "distinct_sentence_ratio": "Distinct normalised dialogue sentences over all dialogue sentences of the season.",
    "stock_lines": (
        f"A sentence said (verbatim or near-verbatim) in {STOCK_EPISODES} or more episodes. Each occurrence counts as "
        "a templated-beat hit in the cliché figures (category stock_lines), whatever the lexicon says."
    ),
    "cast_coverage": (
        "Canon characters on screen at least once in the evaluated episodes: they speak, are present in a scene, "
        "or are framed in a shot."
    ),
    "cliffhanger_payoff": (
        "Episode N's cliffhanger entities (characters framed in its last shot, the last line's speaker, characters, "
        "props and secrets named or revealed in the last line or shot, the place) against episode N+1's opening "
        f"(first scene's characters, props and place; speakers, names and reveals of its first {OPENING_LINES} "
        "lines). Picked up when they share a character other than the lead, a prop or a secret; sharing only the "
        "place is 'place_only' and not counted."
    ),
    "premise_coverage": (
        "The premise facts of premise.json that the room's deterministic coverage check (agents.premise_coverage, "
        "as in the plan review and evals.premise_eval) finds in the plan's text, the canon's, and each script's "
        "on-screen text; the first-episodes figure reads the first two scripts together."
    ),
    "note_adherence": (
        "Typed edit requests recorded in review.json revisions (history[*].outcomes), each at its final status: "
        "verified (applied and checked), unmet, not_actionable, free_text (passed to a model unchecked). A "
        "producer's revision with no typed requests recorded is counted as unverified, never as applied."
    ),
    "stale_reviews": (
        "An episode named by a canon change in canon_changes.json has reviews of the old canon: 'stale' when its "
        "final review predates the change, 're_reviewed' when only its first draft does. Both are reported apart "
        "and left out of the season's continuity errors per 10k and per episode."
    ),
}
LIMITS: tuple[str, ...] = (
    "Hook and cliffhanger are matched against the plan's wording; a model that paraphrases its own plan can be "
    "missed, which the LLM judge's hook_strength and cliffhanger_pull complement when an endpoint is configured.",
    "Screen time comes from the shot list, not the rendered audio; render.json has the measured runtime.",
    "First-draft findings are those the room acted on; notes of severity info are not counted as errors.",
    "all-MiniLM-L6-v2 is trained on English: similarity between Chinese episodes is indicative only.",
    "Character names count as tokens in distinct-2, self-BLEU and compression, as they do for a viewer.",
    "Cost counts every production run in state/traces.sqlite, including resumed and re-reviewed episodes.",
    "A canon change with no time of its own is dated by canon_changes.json's write time, and a review by "
    "review.json's: copying a workspace without keeping file times can change which reviews look stale.",
    "Cliffhanger payoff sees entities the canon names; a cliffhanger carried only by a new, unnamed thing is missed.",
)
