"""The demo's reviewing (see workshop/demo.py): the eight reviewers' profiles, the affinity, the
bids of reviewers 1 to 4, a committed automatic assignment, then the reviews, a discussion and
the chairs' decisions, all through the real services.

Reviewers 5 to 8 place no bids, so that a person trying the demo has someone to bid as.
"""

from collections import Counter
from dataclasses import dataclass

from reviews.enums import BidValue, CriterionRole, Outcome, ReviewStatus, RunStatus
from reviews.models import Assignment, Bid, Comment, Decision, Review, ReviewerProfile
from reviews.selectors import affinity_scores
from reviews.selectors.decisions import undecided_papers
from reviews.selectors.discussion import PARTICIPATING, discussion_role
from reviews.selectors.reviews import criteria_of, reviewer_numbers, reviewer_numbers_of
from reviews.services import affinity, assignments, bids, decisions, reviewers
from reviews.services.discussion import post_comment
from reviews.services.reviews import save_review
from submissions import demo as submissions_demo
from submissions.enums import DECIDED, LIVE, Presentation
from submissions.selectors import conflict_pairs
from workshop import demo as workshop_demo
from workshop.models import User

# The demo's institutions and their email domains (which conflicts also match).
_DOMAINS = {
    "ETH Zürich": "ethz.example",
    "University of Oxford": "ox.example",
    "Mila": "mila.example",
    "CMU": "cmu.example",
}


@dataclass(frozen=True)
class DemoReviewer:
    email: str
    directions: tuple  # slugs
    expertise: str
    own_papers: str  # titles and abstracts, separated by blank lines


PROFILES = [
    DemoReviewer(
        "reviewer1@calm.example",
        ("in", "with"),
        "Evaluation of causal reasoning in large language models; benchmarks for causal knowledge and cause-effect "
        "direction; memorisation versus reasoning.",
        "Textbook Causal Models as a Test of Causal Reasoning in Language Models\n"
        "We turn structural causal models from textbooks into questions and find that language models answer the "
        "famous examples and fail on renamed variables, a sign of memorised causal facts.",
    ),
    DemoReviewer(
        "reviewer2@calm.example",
        ("for",),
        "Causal representation learning, invariance across environments, spurious correlations and "
        "out-of-distribution generalisation of fine-tuned models.",
        "Invariant Features for Out-of-Distribution Generalisation of Fine-Tuned Transformers\n"
        "Fine-tuning on several environments with an invariance penalty keeps the features whose relation to the "
        "label is stable, and removes shortcuts that break under distribution shift.",
    ),
    DemoReviewer(
        "reviewer3@calm.example",
        ("with",),
        "Causal discovery and structure learning: constraint-based and score-based search, Bayesian networks, "
        "and expert knowledge as background constraints.",
        "Expert Knowledge as Soft Constraints in Score-Based Causal Discovery\n"
        "We add uncertain expert statements about edges as priors to greedy equivalence search and show when "
        "wrong priors are overruled by the data.\n\n"
        "Orienting Edges of Markov Equivalence Classes with Few Interventions\n"
        "An adaptive design chooses interventions that orient the most edges of a causal graph learned from "
        "observational data.",
    ),
    DemoReviewer(
        "reviewer4@calm.example",
        ("of",),
        "Mechanistic interpretability of transformers: circuits, activation patching, causal mediation and "
        "model editing.",
        "Path Patching Finds the Circuit for Indirect Object Identification\n"
        "Activation patching along paths between attention heads isolates a small circuit that mediates the "
        "model's behaviour on indirect object identification.",
    ),
    DemoReviewer(
        "reviewer5@calm.example",
        ("in", "of"),
        "Counterfactual reasoning and world models in language models; probing internal representations of "
        "causal structure.",
        "Linear Probes Find Causal World Models in Language Models\n"
        "Probes trained on hidden states recover the causal graph of synthetic worlds described in text, and "
        "interventions on the probed directions change the model's counterfactual answers.",
    ),
    DemoReviewer(
        "reviewer6@calm.example",
        ("with", "for"),
        "Causal inference for observational studies: treatment effect estimation, confounding, double machine "
        "learning, and language models as tools for applied econometrics and epidemiology.",
        "Double Machine Learning with Text as Confounder\n"
        "We estimate average treatment effects when confounders are only described in free text, using "
        "language model embeddings inside double machine learning.",
    ),
    DemoReviewer(
        "reviewer7@calm.example",
        ("for",),
        "Alignment of large models: reward modelling, preference learning and RLHF; confounding and bias in "
        "human feedback data.",
        "Confounded Human Feedback: Why Reward Models Prefer Long Answers\n"
        "Annotator preferences for longer responses act as a confounder of preference labels; reward models "
        "inherit the bias and policies exploit it through reward hacking.",
    ),
    DemoReviewer(
        "reviewer8@calm.example",
        ("of", "in"),
        "Causal abstraction and interchange interventions; sparse autoencoders, feature faithfulness and "
        "steering of language models.",
        "Causal Abstraction for Faithful Explanations of Neural Networks\n"
        "A neural network implements a high-level causal model when interchange interventions on aligned "
        "representations change its behaviour as the high-level model predicts.",
    ),
]

E, W, N, X, C = BidValue.EAGER, BidValue.WILLING, BidValue.NEUTRAL, BidValue.NOT_WILLING, BidValue.CONFLICT
# Bids by reviewer and paper key. Reviewer 3 declares a conflict with the paper on reward models by
# bidding "conflict"; reviewer 4 (ETH Zürich) is in conflict with the paper on invariant instruction
# tuning through its ETH co-author, so cannot bid on it.
BIDS = {
    "reviewer1@calm.example": {
        "direction-benchmark": E,
        "counterfactual-cot": E,
        "llm-priors-discovery": W,
        "mediation-factual-recall": X,
    },
    "reviewer2@calm.example": {"invariant-instruction-tuning": E, "causal-reward-models": W, "counterfactual-cot": N},
    "reviewer3@calm.example": {
        "llm-priors-discovery": E,
        "confounder-selection": E,
        "direction-benchmark": W,
        "causal-reward-models": C,
    },
    "reviewer4@calm.example": {"mediation-factual-recall": E, "steering-sae-abstraction": E, "counterfactual-cot": W},
}


def set_up_reviewers(*, workshop) -> list[ReviewerProfile]:
    """Save the profile of each demo reviewer who has none here yet; a profile edited by a person
    trying the demo stays as they left it. Returns the profiles made now."""
    affiliations = {email: affiliation for email, _, affiliation in workshop_demo.DEMO_PEOPLE}
    with_profile = ReviewerProfile.objects.filter(workshop=workshop).values("user")
    users = {
        user.email: user
        for user in User.objects.filter(email__in=[r.email for r in PROFILES]).exclude(pk__in=with_profile)
    }
    directions = {direction.slug: direction for direction in workshop.directions.all()}
    return [
        reviewers.update_reviewer_profile(
            workshop=workshop,
            user=users[reviewer.email],
            expertise=reviewer.expertise,
            own_papers=reviewer.own_papers,
            directions=[directions[slug] for slug in reviewer.directions],
            affiliation=affiliations[reviewer.email],
            email_domains=[_DOMAINS[affiliations[reviewer.email]]],
        )
        for reviewer in PROFILES
        if reviewer.email in users
    ]


def compute_affinity(*, workshop):
    """The affinity, computed here and now rather than by a queued task (at once when nothing changed)."""
    return affinity.compute_affinity(workshop=workshop)


def missing_bids(workshop) -> list[tuple[User, object, str]]:
    """The demo's bids not placed yet, as (reviewer, paper, value); a pair in conflict is left out
    (place_bid would refuse it)."""
    papers = submissions_demo.demo_papers(workshop)
    users = {user.email: user for user in User.objects.filter(email__in=BIDS)}
    placed = set(Bid.objects.filter(workshop=workshop).values_list("reviewer__email", "submission_id"))
    conflicted = conflict_pairs(workshop, list(papers.values()), list(users.values()))
    return [
        (users[email], papers[key], value)
        for email, planned in BIDS.items()
        for key, value in planned.items()
        if key in papers
        and (email, papers[key].pk) not in placed
        and (papers[key].pk, users[email].pk) not in conflicted
    ]


def place_bids(*, workshop) -> int:
    """Place the missing demo bids; the workshop must be in its bidding phase. Returns how many."""
    missing = missing_bids(workshop)
    for reviewer, paper, value in missing:
        bids.place_bid(workshop=workshop, reviewer=reviewer, submission=paper, value=value)
    return len(missing)


def assign_papers(*, workshop, by) -> int:
    """Run the automatic assignment and commit it, unless the workshop has assignments already.
    The run is executed here rather than by the task its start queues: that task, run after
    commit, finds the run done and leaves it. Returns the number of assignments made."""
    if Assignment.objects.filter(workshop=workshop).exists():
        return 0
    run = assignments.start_run(workshop=workshop, by=by, reviews_per_paper=workshop.reviews_per_paper)
    run = assignments.execute_run(run_id=run.pk)
    if run.status != RunStatus.READY:
        raise RuntimeError(f"The demo's assignment run failed: {run.error}")
    return assignments.commit_run(run=run, by=by)["assignments"]


def describe(workshop) -> list[str]:
    """Lines for the command's report: profiles, affinity, bids and assignments."""
    profiles = ReviewerProfile.objects.filter(workshop=workshop).count()
    scores = affinity_scores(workshop)
    affinity_state = f"{scores.get_status_display().lower()} ({scores.method})" if scores else "not computed"
    bid_counts = Counter(Bid.objects.filter(workshop=workshop).values_list("reviewer__email", flat=True))
    loads = Counter(Assignment.objects.filter(workshop=workshop).values_list("reviewer__email", flat=True))
    lines = [f"  Reviewer profiles: {profiles}; affinity: {affinity_state}"]
    if bid_counts:
        lines.append("  Bids: " + ", ".join(f"{email.split('@')[0]} {n}" for email, n in sorted(bid_counts.items())))
    if loads:
        lines.append(
            f"  Assignments: {sum(loads.values())} "
            f"({workshop.reviews_per_paper} per paper); "
            + ", ".join(f"{email.split('@')[0]} {n}" for email, n in sorted(loads.items()))
        )
    return lines + _describe_reviews(workshop)


# --- reviews, discussion and decisions (the decisions and published phases) ---------------------


@dataclass(frozen=True)
class DemoReview:
    overall: int  # on the default 1-5 scale (strong reject … strong accept)
    confidence: int | None  # 1-5; None in a draft left without one
    summary: str
    strengths: str = ""
    weaknesses: str = ""
    questions: str = ""
    confidential: str = ""
    draft: bool = False  # saved but never submitted: the dashboard shows its reviewer as late


# The reviews of each paper in the order of its reviewers' numbers, so the i-th is "Reviewer i"
# wherever the reviews are shown; None is a review never started. Reviewer 2 of the paper on
# language-model priors disagrees with the others, which the dashboard shows and the discussion
# is about.
REVIEWS = {
    "direction-benchmark": [
        DemoReview(
            5,
            4,
            "A benchmark of 2,400 cause-effect pairs, half with renamed variables, separating causal knowledge "
            "from causal reasoning in language models.",
            "The renaming protocol is simple and convincing. The order-swap experiment is a strong diagnostic "
            "that should become standard.",
            "The domains are few (medicine, economics, physics); a held-out domain would show how far the findings go.",
            "How were the renamed variables chosen so that no hint of the original names remains?",
        ),
        DemoReview(
            4,
            3,
            "The paper asks whether language models know the direction of causation and finds that they "
            "mostly recall it.",
            "Clear question, careful construction of the pairs, useful release.",
            "Accuracy near chance on renamed pairs might also come from the prompt format; one more prompt "
            "variant would rule that out.",
            "Do larger models close the gap between familiar and renamed pairs?",
        ),
        DemoReview(
            4,
            4,
            "A cause-effect direction benchmark with a protocol against memorisation.",
            "Timely and well executed; the analysis of flipped answers is the most interesting part.",
            "The related work misses earlier cause-effect pair datasets from the causal discovery literature.",
            "Will the benchmark be versioned, so that future models trained on it can be detected?",
        ),
    ],
    "counterfactual-cot": [
        DemoReview(
            2,
            4,
            "Structural causal models written as stories, with interventional and counterfactual questions, to "
            "test chain-of-thought reasoning.",
            "The distinction between the second and third rung is well motivated.",
            "The stories are short and templated; models may solve them by pattern matching. The abduction "
            "prompt is evaluated on the same stories it was designed on.",
            "What happens on stories written by people rather than generated from templates?",
        ),
        DemoReview(
            2,
            3,
            "The paper probes counterfactual reasoning of language models with and without chain-of-thought.",
            "The error analysis of reasoning traces is detailed.",
            "The three error types are defined after looking at the traces and not validated by a second "
            "annotator; the main claim rests on them.",
            "How often do two annotators agree on the error type of a trace?",
        ),
        DemoReview(
            3,
            2,
            "An evaluation of interventional and counterfactual queries on textual causal models.",
            "Interesting negative result about chain-of-thought on the third rung.",
            "The writing is dense and the evaluation protocol is hard to follow.",
            "",
        ),
    ],
    "invariant-instruction-tuning": [
        DemoReview(
            4,
            4,
            "Instruction-tuning sources treated as environments, with an invariance penalty against shortcuts.",
            "A natural idea, tested on six out-of-distribution suites with consistent gains.",
            "The environments are given by the data sources; the paper does not discuss what happens when they "
            "share the same shortcut.",
            "How sensitive are the results to the weight of the penalty?",
        ),
        DemoReview(
            3,
            3,
            "Invariant risk minimisation applied to instruction tuning.",
            "Solid experiments and honest reporting of in-distribution accuracy.",
            "Known limitations of IRM with many environments are not discussed; the novelty over invariant "
            "fine-tuning of classifiers is modest.",
            "Does the penalty help when only two data sources are available?",
        ),
        DemoReview(
            4,
            3,
            "A fine-tuning objective that keeps features stable across data sources.",
            "Practical and easy to adopt; the shortcut analysis is convincing.",
            "The compute cost of the penalty is not reported.",
            "",
        ),
    ],
    "causal-reward-models": [
        DemoReview(
            2,
            4,
            "Length and style treated as confounders of preference labels, adjusted for in reward model training.",
            "The length bias of reward models is a real problem and the framing is clear.",
            "The causal graph assumes that length affects the label only through annotator bias, yet longer "
            "answers are sometimes better; the adjustment may remove real quality.",
            "How do you separate the part of length that is quality from the part that is bias?",
        ),
        DemoReview(
            3,
            3,
            "A backdoor adjustment for reward models trained on human preferences.",
            "Results on reward hacking are promising.",
            "Only one preference dataset; the transfer to unseen annotator pools uses a small sample.",
            "Could the adjustment be compared with a simple length penalty?",
        ),
        DemoReview(
            2,
            4,
            "Debiasing preference learning with a causal adjustment for length and style.",
            "Well written.",
            "The baseline of length-normalised rewards is missing, and it may explain most of the gain.",
            "",
            confidential="I reviewed an earlier version of this paper elsewhere; the length analysis has "
            "improved but the missing baseline was already raised then.",
        ),
    ],
    "llm-priors-discovery": [
        DemoReview(
            5,
            4,
            "Edge priors elicited from a language model, used as soft constraints in score-based structure learning.",
            "A clean combination of two ideas with a careful robustness study: wrong priors are overruled by the "
            "data, as one would hope.",
            "The networks are small; scaling to hundreds of variables is not shown.",
            "How many queries to the language model does a network of 50 variables need?",
        ),
        DemoReview(
            2,
            4,
            "The paper uses a language model as a source of priors for causal discovery.",
            "The method is simple to implement.",
            "All twelve networks are well-known benchmarks whose variable names and edges the model has likely "
            "seen in training, so the priors may be memorised rather than elicited. Without renamed variables "
            "the 25% gain says little about new domains.",
            "How do the results change with renamed or obscured variables?",
            confidential="I may be harsher than the others: I have seen many papers on language-model priors "
            "this year. I would change my mind if the gain holds with renamed variables.",
        ),
        DemoReview(
            4,
            3,
            "Language-model priors for structure learning, combined as soft constraints.",
            "Good experimental design and a clear presentation.",
            "The choice of prior strength is heuristic.",
            "Could the prior strength be learned from the data?",
        ),
    ],
    "confounder-selection": [
        DemoReview(
            3,
            3,
            "A pipeline that asks a language model for confounders, checks the backdoor criterion, and "
            "estimates effects with double machine learning.",
            "The evaluation on 40 published studies is valuable.",
            "Agreement with the published estimates does not mean the adjustment sets are right: the published "
            "sets may share the same gaps.",
            "How were the two flagged studies confirmed?",
        ),
        DemoReview(
            2,
            4,
            "Automated confounder selection for treatment effect estimation.",
            "A relevant application.",
            "The partially specified graph already encodes much of the answer, so the contribution of the "
            "language model is unclear. No ablation without it.",
            "What does the pipeline give with the graph but without the language model's proposals?",
        ),
        None,
    ],
    "mediation-factual-recall": [
        DemoReview(
            5,
            5,
            "Causal mediation analysis with activation patching locates factual recall in transformers.",
            "Large scale (10,000 prompts), three model families, and an editing experiment that confirms the "
            "localisation. Very clear figures.",
            "The indirect effects are averaged over prompts; some analysis of the variation would help.",
            "Are the mediating components the same for one-to-many relations?",
        ),
        DemoReview(
            5,
            4,
            "The paper measures the indirect effect of every attention head and MLP layer on factual recall.",
            "Rigorous use of mediation analysis; the consistency across model families is striking.",
            "Limited discussion of related work on model editing.",
            "",
        ),
        DemoReview(
            4,
            3,
            "Localising factual recall with activation patching.",
            "Strong empirical work.",
            "The editing results are reported on few relations.",
            "Do edits of one fact affect paraphrases of it?",
        ),
    ],
    "steering-sae-abstraction": [
        DemoReview(
            3,
            3,
            "Sentiment features of sparse autoencoders tested with interchange interventions against a "
            "high-level causal model.",
            "Asking whether interpretable features are causally used is the right question.",
            "Only sentiment is studied, and the high-level model is very simple.",
            "Would the test apply to features without a clear high-level variable?",
        ),
        DemoReview(
            2,
            4,
            "A faithfulness test for sparse autoencoder features based on causal abstraction.",
            "The comparison with probing directions is useful.",
            "The one-third figure depends on the threshold for faithfulness, which is not justified.",
            "How does the fraction of faithful features change with the threshold?",
        ),
        DemoReview(
            4,
            None,
            "Causal abstraction as a test for sparse autoencoder features, with steering as the application.",
            "The steering results are convincing",
            draft=True,
        ),
    ],
}

# The paper whose reviewers disagree, and its discussion: (writer, text); a writer is "chair" or the
# number N of "Reviewer N".
DISCUSSED_PAPER = "llm-priors-discovery"
DISCUSSION = [
    (
        "chair",
        "The overall scores of this paper range from 2 to 5. Reviewer 2 is concerned that the benchmark networks "
        "are so well known that the priors may be memorised. Reviewer 1 and Reviewer 3, do you share the concern? "
        "I would like to settle it before we decide.",
    ),
    (
        1,
        "It is a fair concern, but the appendix has a run with renamed variables: the gain drops from 25% to 11% "
        "and stays significant. I still recommend acceptance, and would ask the authors to move that run into "
        "the main text.",
    ),
]

# Each paper's decision: (outcome, presentation, note to the authors). The papers marked early are
# decided in the decisions phase; the chairs decide the others (and release) when trying the demo,
# or the published phase does.
A, R = Outcome.ACCEPT, Outcome.REJECT
DECISIONS = {
    "direction-benchmark": (A, Presentation.SPOTLIGHT, ""),
    "counterfactual-cot": (R, "", "The reviewers found the question important but the evaluation too templated."),
    "invariant-instruction-tuning": (A, Presentation.POSTER, ""),
    "causal-reward-models": (R, "", ""),
    "llm-priors-discovery": (
        A,
        Presentation.POSTER,
        "Please move the experiment with renamed variables from the appendix into the main text.",
    ),
    "confounder-selection": (R, "", "One review did not arrive; the decision rests on the two reviews shown."),
    "mediation-factual-recall": (A, Presentation.ORAL, "Congratulations: the reviewers were unanimous."),
    "steering-sae-abstraction": (R, "", ""),
}
EARLY_DECISIONS = ["direction-benchmark", "counterfactual-cot", "causal-reward-models", "mediation-factual-recall"]


def _scaled(value, criterion) -> int:
    """A score of the demo's 1-5 scale on the criterion's own scale (the chairs may have changed it)."""
    span = criterion.scale_max - criterion.scale_min
    return criterion.scale_min + round((value - 1) * span / 4)


def _scores(planned: DemoReview, criteria) -> dict[str, int]:
    by_role = {CriterionRole.OVERALL: planned.overall, CriterionRole.CONFIDENCE: planned.confidence}
    scores = {}
    for criterion in criteria:
        # A criterion the chairs added gets the middle of its scale, or nothing in a draft.
        value = by_role.get(criterion.role, None if planned.draft else 3)
        if value is not None:
            scores[criterion.key] = _scaled(value, criterion)
    return scores


def _planned_reviews(workshop):
    """(paper, reviewer, planned review or None) for every assignment of a demo paper, the
    reviewer with the i-th lowest number on a paper getting its i-th review (so "Reviewer i" on
    every page, the numbers being a permutation of 1..k)."""
    papers = submissions_demo.demo_papers(workshop)
    keys = {paper.pk: key for key, paper in papers.items()}
    seen = Counter()
    planned = []
    assigned = list(
        Assignment.objects.filter(workshop=workshop, submission__in=list(papers.values())).select_related(
            "submission__workshop", "reviewer"
        )
    )
    numbers = reviewer_numbers_of([paper.pk for paper in papers.values()])
    assigned.sort(key=lambda a: (numbers[a.submission_id].get(a.reviewer_id, 0), a.created_at, a.pk))
    for assignment in assigned:
        key = keys[assignment.submission_id]
        slot = seen[key]
        seen[key] += 1
        reviews = REVIEWS.get(key, [])
        planned.append((assignment.submission, assignment.reviewer, reviews[slot] if slot < len(reviews) else None))
    return planned


def write_reviews(*, workshop) -> tuple[int, int]:
    """Save the demo's reviews through the real service: submitted, or left as a draft where the
    plan says so; the workshop must be before its review deadline. A reviewer who already has a
    review of the paper (a person trying the demo) keeps theirs. Returns (submitted, drafts) made now."""
    criteria = criteria_of(workshop)
    written = set(Review.objects.filter(workshop=workshop).values_list("submission_id", "reviewer_id"))
    submitted = drafts = 0
    for paper, reviewer, planned in _planned_reviews(workshop):
        if planned is None or (paper.pk, reviewer.pk) in written:
            continue
        fields = {
            "summary": planned.summary,
            "strengths": planned.strengths,
            "weaknesses": planned.weaknesses,
            "questions": planned.questions,
            "confidential_comments": planned.confidential,
        }
        save_review(
            submission=paper,
            reviewer=reviewer,
            fields=fields,
            scores=_scores(planned, criteria),
            submit=not planned.draft,
        )
        if planned.draft:
            drafts += 1
        else:
            submitted += 1
    return submitted, drafts


def post_discussion(*, workshop, chair) -> int:
    """The discussion of the disputed paper, unless it has comments already; returns the comments
    posted. A reviewer's comment is skipped when that reviewer has not submitted their review (a
    person changed the demo), since only those who submitted take part."""
    paper = submissions_demo.demo_papers(workshop).get(DISCUSSED_PAPER)
    if paper is None or Comment.objects.filter(submission=paper).exists():
        return 0
    numbered = {number: pk for pk, number in reviewer_numbers(paper).items()}
    writers = {user.pk: user for user in User.objects.filter(pk__in=numbered.values())}
    posted = 0
    for writer, text in DISCUSSION:
        author = chair if writer == "chair" else writers.get(numbered.get(writer))
        if author is None or discussion_role(author, paper) not in PARTICIPATING:
            continue
        post_comment(submission=paper, author=author, text=text)
        posted += 1
    return posted


def decide_papers(*, workshop, by, every=False) -> int:
    """The chairs' decisions on the undecided papers: the early ones of the plan, or (`every`)
    all of them. A paper that is not the demo's (a person submitted it) is rejected, so that
    the decisions can be released. Returns the decisions made now."""
    keys = {paper.pk: key for key, paper in submissions_demo.demo_papers(workshop).items()}
    made = 0
    for paper in undecided_papers(workshop):
        key = keys.get(paper.pk)
        if not every and key not in EARLY_DECISIONS:
            continue
        outcome, presentation, note = DECISIONS.get(key, (Outcome.REJECT, "", ""))
        decisions.decide(submission=paper, outcome=outcome, presentation=presentation, note=note, by=by)
        made += 1
    return made


def release(*, workshop, by) -> int:
    """Release the decisions to the authors (each author's email once); returns the papers released now."""
    return decisions.release_decisions(workshop=workshop, by=by)


def late_work(workshop) -> list[tuple[str, int, str]]:
    """(reviewer email, paper number, "draft" or "not started") for each unfinished review."""
    submitted = set(
        Review.objects.filter(workshop=workshop, status=ReviewStatus.SUBMITTED).values_list(
            "submission_id", "reviewer_id"
        )
    )
    drafts = set(
        Review.objects.filter(workshop=workshop, status=ReviewStatus.DRAFT).values_list("submission_id", "reviewer_id")
    )
    unfinished = (
        Assignment.objects.filter(workshop=workshop, submission__status__in=LIVE | DECIDED)
        .select_related("submission", "reviewer")
        .order_by("submission__number", "reviewer__email")
    )
    return [
        (
            assignment.reviewer.email,
            assignment.submission.number,
            "draft" if (assignment.submission_id, assignment.reviewer_id) in drafts else "not started",
        )
        for assignment in unfinished
        if (assignment.submission_id, assignment.reviewer_id) not in submitted
    ]


def undecided_numbers(workshop) -> list[int]:
    return list(undecided_papers(workshop).values_list("number", flat=True))


def _describe_reviews(workshop) -> list[str]:
    """Lines for the command's report: reviews, discussion and decisions, once there are any."""
    reviews = Counter(Review.objects.filter(workshop=workshop).values_list("status", flat=True))
    if not reviews:
        return []
    lines = [
        f"  Reviews: {reviews[ReviewStatus.SUBMITTED]} submitted, {reviews[ReviewStatus.DRAFT]} left as a draft; "
        f"discussion: {Comment.objects.filter(submission__workshop=workshop).count()} comments"
    ]
    made = list(Decision.objects.filter(workshop=workshop).values_list("outcome", "released_at"))
    if made:
        accepted = sum(1 for outcome, _ in made if outcome == Outcome.ACCEPT)
        unreleased = sum(1 for _, released_at in made if released_at is None)
        lines.append(
            f"  Decisions: {len(made)} made ({accepted} accepted), "
            + (f"{unreleased} not released yet" if unreleased else "all released to the authors")
        )
    return lines
