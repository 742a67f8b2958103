"""The demo's reviewing (see workshop/demo.py): the eight reviewers' profiles, the affinity, the
bids of reviewers 1 to 4, and a committed automatic assignment, all through the real services.

Reviewers 5 to 8 place no bids, so that a person trying the demo has someone to bid as.
"""

from collections import Counter
from dataclasses import dataclass

from reviews.enums import BidValue, RunStatus
from reviews.models import Assignment, Bid, ReviewerProfile
from reviews.selectors import affinity_scores
from reviews.services import affinity, assignments, bids, reviewers
from submissions import demo as submissions_demo
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
    return lines
