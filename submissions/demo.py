"""The demo's papers (see workshop/demo.py): eight submissions to CaLM, two per direction, each
made through the real service by a demo author with a small PDF generated here; later, the
camera-ready versions of the accepted ones and their publication.

Each paper has a fixed creation key, so seeding again finds the paper instead of making another
(create_submission returns the paper a key already made).
"""

import textwrap
import uuid
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import publication, services
from submissions.enums import FileKind, SubmissionStatus
from submissions.models import Submission
from workshop import demo as workshop_demo
from workshop.models import User

_KEY_NAMESPACE = uuid.UUID("6f1c1f5e-7a43-4c1e-9a8e-0c5a1d2b3e4f")


@dataclass(frozen=True)
class DemoPaper:
    key: str  # a stable name, for the bids and the tests
    direction: str  # the primary direction's slug
    title: str
    abstract: str
    keywords: str
    # Demo authors by email, in order; co-authors without a demo account as AuthorEntry.
    authors: tuple
    secondary: tuple = ()
    # Reviewers (by email) the authors declare a conflict with.
    conflicted_members: tuple = ()

    @property
    def creation_key(self):
        return uuid.uuid5(_KEY_NAMESPACE, f"calm-demo-paper:{self.key}")


# An ETH Zürich co-author: reviewers from ETH Zürich are in conflict with that paper (same affiliation and domain).
_ETH_COAUTHOR = services.AuthorEntry("Dana Weber", "d.weber@ethz.example", "ETH Zürich")

PAPERS = [
    DemoPaper(
        key="direction-benchmark",
        direction="in",
        title="Do Language Models Know Which Way Causation Runs? A Benchmark of Cause-Effect Direction",
        abstract=(
            "Deciding whether X causes Y or Y causes X from a pair of variable names is a basic test of causal "
            "knowledge. We build a benchmark of 2,400 cause-effect pairs drawn from medicine, economics and physics, "
            "half of them with renamed variables so that memorised associations cannot help. Large language models "
            "reach 88% accuracy on familiar pairs but fall to near chance on renamed ones, and their answers flip "
            "when the order of the variables in the prompt is swapped. We argue that current models retrieve causal "
            "facts rather than reason about causal direction, and release the benchmark with a protocol that "
            "separates causal knowledge from causal reasoning."
        ),
        keywords="causal knowledge, cause-effect pairs, benchmark, memorisation",
        authors=("author1@calm.example", "author3@calm.example"),
    ),
    DemoPaper(
        key="counterfactual-cot",
        direction="in",
        title="Counterfactual Reasoning Under Interventions: Probing the Limits of Chain-of-Thought",
        abstract=(
            "Pearl's ladder of causation separates association, intervention and counterfactuals. We write "
            "structural causal models as short stories and ask language models interventional and counterfactual "
            "queries whose answers follow from the model. Chain-of-thought prompting helps on interventional "
            "questions but not on counterfactual ones, where models confuse conditioning with intervening and "
            "ignore the abduction step. An analysis of 5,000 reasoning traces shows three recurring errors, and a "
            "prompting scheme that makes abduction explicit closes half of the gap on the third rung."
        ),
        keywords="counterfactual reasoning, ladder of causation, chain-of-thought, structural causal models",
        authors=("author2@calm.example",),
        conflicted_members=("reviewer6@calm.example",),
    ),
    DemoPaper(
        key="invariant-instruction-tuning",
        direction="for",
        title="Invariant Risk Minimisation for Instruction Tuning: Removing Spurious Shortcuts in Language Models",
        abstract=(
            "Instruction-tuned models learn shortcuts: surface features such as answer length or formatting that "
            "predict the label in the tuning data but not under distribution shift. We treat the data sources of "
            "instruction tuning as environments and add an invariance penalty to the fine-tuning objective, so "
            "that the model relies on features whose relation to the target is stable across environments. On "
            "six out-of-distribution suites the invariant fine-tuning reduces the reliance on spurious features "
            "by 40% and improves robustness without hurting in-distribution accuracy."
        ),
        keywords="invariance, spurious correlations, instruction tuning, out-of-distribution generalisation",
        authors=("author4@calm.example", _ETH_COAUTHOR, "author5@calm.example"),
    ),
    DemoPaper(
        key="causal-reward-models",
        direction="for",
        title="Causal Reward Models: Debiasing Preference Learning with Backdoor Adjustment",
        abstract=(
            "Reward models trained on human preferences reward length and confident tone, because annotators "
            "prefer longer answers for reasons unrelated to quality. We model response length and style as "
            "confounders of the preference label and train the reward model with a backdoor adjustment over them. "
            "Policies optimised against the adjusted reward show less reward hacking under RLHF, produce answers "
            "30% shorter at equal human-rated quality, and transfer better to unseen annotator pools."
        ),
        keywords="reward modelling, RLHF, confounding, backdoor adjustment",
        authors=("author2@calm.example", "author5@calm.example"),
        secondary=("in",),
    ),
    DemoPaper(
        key="llm-priors-discovery",
        direction="with",
        title="Language Models as Priors for Causal Discovery from Observational Data",
        abstract=(
            "Causal discovery from observational data leaves many edges unoriented, while domain experts are "
            "expensive to consult. We elicit edge priors from a large language model given the variables' names "
            "and descriptions, and combine them with score-based structure learning as soft constraints. On "
            "twelve benchmark Bayesian networks the learned graphs improve structural Hamming distance by 25% over "
            "purely data-driven search, and the gain persists when the model's priors are wrong for one edge in "
            "five, because the data overrule confident but mistaken priors."
        ),
        keywords="causal discovery, structure learning, priors, Bayesian networks",
        authors=("author3@calm.example", "author1@calm.example"),
    ),
    DemoPaper(
        key="confounder-selection",
        direction="with",
        title="Automating Confounder Selection for Treatment Effect Estimation with Large Language Models",
        abstract=(
            "Estimating a treatment effect from an observational study requires choosing an adjustment set, a step "
            "usually left to the analyst's judgement. We ask a language model to propose confounders from the "
            "study's variable descriptions, check the proposal against the backdoor criterion on a partially "
            "specified graph, and estimate the average treatment effect with double machine learning. On 40 "
            "published epidemiological studies, the automated adjustment sets recover the published estimates "
            "within their confidence intervals in 34 cases, and flag two studies with a likely unadjusted confounder."
        ),
        keywords="treatment effects, confounder selection, double machine learning, epidemiology",
        authors=("author5@calm.example",),
        secondary=("for",),
    ),
    DemoPaper(
        key="mediation-factual-recall",
        direction="of",
        title="Causal Mediation Analysis of Factual Recall in Transformer Language Models",
        abstract=(
            "Where does a transformer store the fact that the Eiffel Tower is in Paris? We apply causal mediation "
            "analysis with activation patching to 10,000 factual prompts and measure the indirect effect of every "
            "attention head and MLP layer on the correct completion. Recall is mediated by MLP layers in the middle "
            "of the network at the subject's last token, followed by attention heads that move the attribute to the "
            "final position. The mediating components are sparse and consistent across three model families, and "
            "editing them changes the recalled fact without affecting unrelated ones."
        ),
        keywords="interpretability, causal mediation, activation patching, factual recall",
        authors=("author4@calm.example",),
    ),
    DemoPaper(
        key="steering-sae-abstraction",
        direction="of",
        title="Steering by Intervention: Causal Abstraction of Sentiment Features in Sparse Autoencoders",
        abstract=(
            "Sparse autoencoders decompose a model's activations into interpretable features, but an interpretable "
            "feature need not be causally used. We test sentiment features found by sparse autoencoders against a "
            "high-level causal model with interchange interventions: a feature is faithful when swapping it between "
            "inputs swaps the model's behaviour as the high-level model predicts. Only a third of the features that "
            "look like sentiment pass the test, and steering with the faithful ones controls generation with fewer "
            "side effects than steering with directions found by probing."
        ),
        keywords="causal abstraction, sparse autoencoders, interchange interventions, steering",
        authors=("author1@calm.example", "author2@calm.example"),
        secondary=("in",),
    ),
]


def demo_papers(workshop) -> dict[str, Submission]:
    """The demo papers made so far, by key."""
    keys = {paper.creation_key: paper.key for paper in PAPERS}
    found = Submission.objects.filter(workshop=workshop, creation_key__in=keys)
    return {keys[submission.creation_key]: submission for submission in found}


def missing_papers(workshop) -> list[DemoPaper]:
    made = demo_papers(workshop)
    return [paper for paper in PAPERS if paper.key not in made]


def submit_papers(*, workshop) -> list[Submission]:
    """Submit the demo papers not submitted yet, each by its first author, through the real
    service; the workshop must be open for submissions. Returns the papers made now."""
    people = {email: (name, affiliation) for email, name, affiliation in workshop_demo.DEMO_PEOPLE}
    users = {user.email: user for user in User.objects.filter(email__in=people)}
    directions = {direction.slug: direction for direction in workshop.directions.all()}
    made = []
    for paper in missing_papers(workshop):
        authors = [
            author
            if isinstance(author, services.AuthorEntry)
            else services.AuthorEntry(people[author][0], author, people[author][1])
            for author in paper.authors
        ]
        upload = SimpleUploadedFile(f"{paper.key}.pdf", paper_pdf(paper.title, paper.abstract), "application/pdf")
        made.append(
            services.create_submission(
                workshop=workshop,
                by=users[paper.authors[0]],
                creation_key=paper.creation_key,
                fields={
                    "title": paper.title,
                    "abstract": paper.abstract,
                    "keywords": paper.keywords,
                    "primary_direction": directions[paper.direction],
                    "agreed_anonymity": True,
                    "agreed_dual_submission": bool(workshop.dual_submission_policy),
                },
                authors=authors,
                conflicted_members=[users[email] for email in paper.conflicted_members],
                secondary_directions=[directions[slug] for slug in paper.secondary],
                paper=services.check_paper(upload, workshop=workshop),
                submit=True,
            )
        )
    return made


def upload_camera_ready(*, workshop) -> list[Submission]:
    """Upload a camera-ready PDF, naming the authors, for each accepted paper that has none, by its
    first author with an account, through the real service; the camera-ready deadline must not
    have passed. Title, abstract and authors stay as they are. Returns the papers updated now."""
    papers = (
        Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED)
        .exclude(files__kind=FileKind.CAMERA_READY)
        .prefetch_related("authors")
        .order_by("number")
    )
    made = []
    for paper in papers:
        authors = [services.AuthorEntry(a.name, a.email, a.affiliation) for a in paper.authors.order_by("order")]
        users = {user.email.lower(): user for user in User.objects.filter(email__in=[a.email for a in authors])}
        by = next((users[a.email] for a in authors if a.email in users), None)
        if by is None:
            continue
        pdf = paper_pdf(paper.title, paper.abstract, [(a.name, a.affiliation) for a in authors])
        upload = SimpleUploadedFile(f"paper-{paper.number}-camera-ready.pdf", pdf, "application/pdf")
        made.append(
            publication.update_camera_ready(
                submission=paper,
                by=by,
                base_version=paper.version,
                title=paper.title,
                abstract=paper.abstract,
                authors=authors,
                paper=publication.check_camera_ready(upload, workshop=workshop),
            )
        )
    return made


def publish(*, workshop, by) -> bool:
    """Publish the accepted papers (after the release); True if this call published them."""
    return publication.publish_accepted_papers(workshop=workshop, by=by)


def describe(workshop) -> list[str]:
    """Lines for the command's report: the demo papers per direction, then the accepted papers."""
    papers = demo_papers(workshop)
    lines = []
    for direction in workshop.directions.all():
        numbered = [
            f"#{papers[paper.key].number}"
            for paper in PAPERS
            if paper.direction == direction.slug and paper.key in papers
        ]
        lines.append(f"  {direction.name}: {len(numbered)} papers ({', '.join(numbered) or 'none'})")
    accepted = Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED)
    if accepted.exists():
        with_pdf = accepted.filter(files__kind=FileKind.CAMERA_READY).distinct().count()
        published = f"published at /{workshop.slug}/papers/" if workshop.published_at else "not published"
        lines.append(f"  Accepted: {accepted.count()} papers, {with_pdf} with a camera-ready PDF; {published}")
    return lines


# --- a small PDF ------------------------------------------------------------------------------

_LEFT, _TOP = 72, 720


def paper_pdf(title: str, abstract: str, authors=None) -> bytes:
    """A one-page PDF showing the paper's title and abstract as a double-blind submission would:
    no names, no affiliations; or, given `authors` ((name, affiliation) pairs), the camera-ready
    version that names them. Written by hand: six PDF objects are simpler than pypdf's private
    helpers for drawing text."""
    lines = [("F2", 15, line) for line in textwrap.wrap(title, 62)]
    if authors:
        byline = ", ".join(name for name, _ in authors)
        affiliations = ", ".join(dict.fromkeys(affiliation for _, affiliation in authors if affiliation))
        lines += [("F1", 11, "")] + [("F1", 11, line) for line in textwrap.wrap(byline, 85)]
        lines += [("F1", 10, line) for line in textwrap.wrap(affiliations, 95)]
        lines += [("F1", 10, "Camera-ready version, CaLM workshop"), ("F1", 11, ""), ("F2", 11, "Abstract")]
    else:
        lines += [("F1", 11, ""), ("F1", 11, "Anonymous submission to CaLM"), ("F1", 11, ""), ("F2", 11, "Abstract")]
    lines += [("F1", 10, line) for line in textwrap.wrap(abstract, 95)]
    lines += [("F1", 10, ""), ("F2", 11, "1   Introduction")]
    lines += [
        ("F1", 10, line)
        for line in textwrap.wrap(
            "This paper was generated for the demonstration of the workshop's submission system: only its title and "
            "abstract are meaningful.",
            95,
        )
    ]
    operations, y = [], _TOP
    for font, size, text in lines:
        if text:
            operations.append(f"BT /{font} {size} Tf {_LEFT} {y} Td ({_pdf_string(text)}) Tj ET")
        y -= size + 5
    content = "\n".join(operations).encode("latin-1", errors="replace")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        font % b"Helvetica",
        font % b"Helvetica-Bold",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
