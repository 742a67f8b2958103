"""Affinity: how a reviewer's several texts should combine into one score, and how fast each method embeds.

1. Combination rules. 20 submissions in 4 topics (causal discovery, effect estimation, causal
   reasoning of language models, interpretability as causal analysis), 5 exact subjects each, and
   14 reviewers, each with an expertise statement and 1-4 own papers: 10 with papers of mixed
   topics and 4 who work broadly in one topic. For every submission exactly one reviewer has an
   own paper on its exact subject: that reviewer should rank first. Reported: mean reciprocal rank
   of that reviewer and how often they rank first, for this pool and averaged over pools that deal
   the same own papers to reviewers at random.
2. Throughput: ~400 synthetic abstracts of ~150 words, embedded on 2 cores, per method.
3. Combining cached vectors into the matrix at a larger size (random unit vectors).

Run: .venv/bin/python benchmarks/affinity.py   (MiniLM rows need the `affinity` extra)
"""

import os
import random
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviews.affinity import affinity_from_embeddings, affinity_matrix, available_methods, embed, minilm_model

CORES = 2
SYNTHETIC_ABSTRACTS = 400
SYNTHETIC_WORDS = 150

# Submissions: key is topic letter + subject number.
SUBMISSIONS = {
    "D1": "Scalable differentiable DAG learning with a log-determinant acyclicity constraint. We cast structure "
    "learning of linear structural equation models as a continuous optimisation problem. Instead of the trace "
    "of the matrix exponential, we use a log-determinant characterisation of acyclicity that has better "
    "gradients and scales to thousands of variables. On synthetic graphs with Gaussian and non-Gaussian noise "
    "our method recovers the adjacency matrix with lower structural Hamming distance than combinatorial "
    "search, and it runs on a GPU in minutes.",
    "D2": "Kernel conditional independence testing for causal discovery with hidden confounders. Constraint-based "
    "algorithms such as PC and FCI rely on conditional independence tests whose errors propagate through the "
    "skeleton and orientation phases. We propose a calibrated kernel-based test with a permutation null that "
    "controls type I error in small samples, and integrate it into FCI to learn partial ancestral graphs in the "
    "presence of latent variables. Experiments on gene expression data show more reliable edge orientations.",
    "D3": "Causal discovery from multivariate time series with lagged and contemporaneous effects. Granger "
    "causality misses instantaneous effects and is biased by autocorrelation. We extend a PCMCI-style algorithm "
    "with a momentary conditional independence test that handles nonlinear dependencies and regime changes, and "
    "apply it to climate and neuroscience recordings. On benchmark time series the method detects lagged links "
    "with higher precision while keeping false positives under control.",
    "D4": "Active learning of causal graphs with budgeted interventions. Observational data identify a causal "
    "graph only up to its Markov equivalence class. We study which interventions an experimenter should perform "
    "to orient the remaining edges with a fixed budget, and give a greedy algorithm with an approximation "
    "guarantee for the expected number of oriented edges. A Bayesian variant chooses interventions by expected "
    "information gain over a posterior on DAGs.",
    "D5": "Large language models as priors for causal structure learning. Variable names and metadata carry "
    "domain knowledge that purely statistical discovery algorithms ignore. We query a large language model about "
    "pairwise causal directions between variables, turn its answers into a soft prior over graphs, and combine "
    "the prior with the data likelihood in a score-based search. On benchmark networks from medicine and "
    "economics the LLM prior reduces orientation errors, although the model is sometimes confidently wrong.",
    "E1": "Orthogonal learning of heterogeneous treatment effects with neural networks. Estimating conditional "
    "average treatment effects with flexible learners suffers from regularisation bias. We build "
    "Neyman-orthogonal losses in the spirit of double machine learning with cross-fitting, so that errors in the "
    "nuisance models for outcome and propensity enter only at second order. We prove convergence rates for the "
    "resulting CATE estimator and show on semi-synthetic benchmarks that it outperforms meta-learners such as "
    "the T-learner and X-learner.",
    "E2": "Deep instrumental variable regression with learned features. When treatment and outcome share "
    "unobserved confounders, an instrument that affects the outcome only through the treatment allows "
    "identification. We propose a two-stage method that learns instrument and treatment features with neural "
    "networks, avoiding the ill-posed inverse problem of nonparametric IV. On demand estimation simulations and "
    "on a study of returns to schooling, the method improves on two-stage least squares and kernel IV.",
    "E3": "Stable balancing weights under limited overlap in observational studies. Inverse propensity weighting "
    "is unstable when propensity scores are close to zero or one. We estimate weights that directly balance "
    "covariate moments while minimising their variance, trim regions without overlap in a principled way, and "
    "report the target population that the weights imply. In an electronic health record study of a "
    "cardiovascular drug, the estimates are more stable than propensity score matching.",
    "E4": "Sensitivity analysis for unobserved confounding in treatment effect estimates. No observational study "
    "can rule out hidden confounders. We derive sharp bounds on the average treatment effect under a marginal "
    "sensitivity model that limits how much an unobserved variable can shift the odds of treatment, and compute "
    "them with a simple linear program. Robustness values tell practitioners how strong confounding would have "
    "to be to overturn a conclusion.",
    "E5": "Adjusting for confounding with text using language model representations. Clinical notes and social "
    "media posts often contain the confounders of a treatment-outcome relation. We use representations from a "
    "pretrained language model as adjustment variables, fine-tuned to predict both treatment and outcome, and "
    "show when such text-based adjustment identifies the causal effect. Simulations built on real Reddit posts "
    "quantify the bias that remains when the text only partially captures the confounder.",
    "L1": "CausalQA: a benchmark of correlation-versus-causation questions for large language models. We present "
    "a benchmark of 10,000 questions that require inferring causal relations from correlational statements, "
    "built from randomly generated causal graphs and verbalised with templates. We evaluate seventeen open and "
    "closed large language models and find that they perform near chance once the questions are paraphrased, "
    "suggesting they rely on memorised associations rather than formal causal inference.",
    "L2": "Do language models reason about counterfactuals? Counterfactual questions ask what would have "
    "happened had an event been different. We construct counterfactual variants of everyday stories and math "
    "problems and test whether large language models update their answers consistently. Chain-of-thought "
    "prompting helps on simple interventions but fails when the counterfactual premise contradicts world "
    "knowledge; models tend to revert to the factual outcome.",
    "L3": "Extracting causal claims from the scientific literature with large language models. We prompt and "
    "fine-tune language models to identify cause-effect statements in biomedical abstracts, normalise the "
    "entities, and assemble a causal knowledge graph. Compared with pattern-based relation extraction, the model "
    "finds many more claims but also hallucinates causal links from purely associative sentences; we release an "
    "annotated corpus for measuring this.",
    "L4": "Spurious correlations in fine-tuned language models and invariant learning. Fine-tuned classifiers "
    "often exploit shortcuts such as lexical overlap in natural language inference. We construct training "
    "environments that differ in the strength of the spurious feature and apply invariant risk minimisation to "
    "the classifier head. The resulting models are more robust under distribution shift on counterfactually "
    "augmented test sets, at a small cost in in-distribution accuracy.",
    "L5": "Language model agents that discover causal structure through experimentation. We place large "
    "language model agents in interactive environments where they can intervene on variables and observe "
    "outcomes, and ask them to infer the underlying causal mechanism. Agents explore inefficiently and rarely "
    "test their hypotheses, but a simple scaffold that asks them to propose and run targeted interventions "
    "closes much of the gap to an optimal experimenter.",
    "M1": "Locating factual associations in transformers with activation patching. We corrupt the subject tokens "
    "of factual prompts and restore individual hidden states to measure their causal effect on the predicted "
    "answer. Causal tracing reveals that mid-layer MLP modules at the last subject token mediate factual recall "
    "in GPT-style models, and editing those weights with a rank-one update changes the stored fact while "
    "leaving unrelated knowledge intact.",
    "M2": "Causal abstraction for faithful interpretability of neural networks. An interpretation of a network "
    "is faithful if a high-level causal model abstracts the network's computation. We test candidate alignments "
    "with interchange interventions, which swap internal representations between inputs, and train networks so "
    "that a chosen symbolic algorithm is implemented in designated subspaces. Distributed alignment search finds "
    "such subspaces with gradient descent on language and arithmetic tasks.",
    "M3": "Steering language models with sparse autoencoder features. Sparse autoencoders decompose transformer "
    "activations into many interpretable features. We test whether these features are causally used by the "
    "model: clamping a feature during the forward pass shifts generations in the predicted direction for most "
    "features, but a sizeable fraction have no downstream effect. We propose intervention-based metrics for "
    "evaluating dictionary learning methods.",
    "M4": "Automated circuit discovery with edge attribution patching. Finding the subgraph of a transformer "
    "responsible for a behaviour usually requires many manual patching experiments. We approximate the effect "
    "of patching every edge of the computational graph with a single gradient-based linear approximation, prune "
    "edges with small attribution, and recover known circuits for indirect object identification and "
    "greater-than comparisons orders of magnitude faster than iterative search.",
    "M5": "Causal mediation analysis of gender bias in language models. Probing classifiers show that "
    "representations encode gender, but not whether the model uses that information. We apply causal mediation "
    "analysis, intervening on individual neurons and attention heads, to measure how much of the gender bias in "
    "pronoun resolution is mediated by specific components. A small set of heads in the middle layers accounts "
    "for most of the effect.",
}

# Reviewers: an expertise statement, then own papers as (subject it makes them the expert for, text);
# None marks a paper on a subject no submission has.
REVIEWERS = [
    (
        "My research is on learning causal structure from data and on representation learning.",
        [
            (
                "D1",
                "DAGs with no tears: continuous optimisation for structure learning. We formulate learning a "
                "directed acyclic graph as a smooth equality-constrained program using the trace of the matrix "
                "exponential, solved with an augmented Lagrangian. This avoids combinatorial search over graphs "
                "and makes score-based learning as simple as fitting a regression.",
            ),
            (
                "M3",
                "Dictionary learning of transformer activations with sparse autoencoders. We train overcomplete "
                "sparse autoencoders on the residual stream of a language model and find monosemantic features "
                "for concepts such as code, DNA and legal text; activating a feature steers the model's output.",
            ),
            (
                None,
                "Identifiable causal representation learning from multiple environments. We show that latent "
                "causal variables can be recovered up to permutation and scaling when data come from "
                "environments with interventions on single latents, and propose a variational autoencoder that "
                "enforces this.",
            ),
        ],
    ),
    (
        "Graphical models, conditional independence testing and partial identification.",
        [
            (
                "D2",
                "Causal inference with latent variables and selection bias: the FCI algorithm revisited. We "
                "present an order-independent version of the fast causal inference algorithm that outputs a "
                "partial ancestral graph, with new orientation rules, and study its sensitivity to errors of the "
                "conditional independence tests.",
            ),
            (
                "E4",
                "Bounding causal effects when confounders are unmeasured. We characterise the set of average "
                "treatment effects compatible with the observed data and a bound on the strength of hidden "
                "confounding, and give tight bounds that shrink as the bound on confounding strength decreases.",
            ),
        ],
    ),
    (
        "Time series analysis, dynamical systems and reinforcement learning.",
        [
            (
                "D3",
                "Detecting causal links in large nonlinear time series datasets. We combine the PC algorithm "
                "with a momentary conditional independence test to estimate time-lagged causal networks from "
                "climate data, with fewer false positives than Granger causality under strong autocorrelation.",
            ),
            (
                "L5",
                "Can language model agents run experiments? We evaluate LLM agents in simulated laboratories "
                "where they choose interventions, and find that they form hypotheses quickly but seldom design "
                "experiments that could falsify them.",
            ),
            (
                None,
                "Sample-efficient reinforcement learning for robotic manipulation. A model-based policy "
                "optimisation method learns grasping skills on a real robot arm from two hours of interaction, "
                "using an ensemble of dynamics models to capture uncertainty.",
            ),
        ],
    ),
    (
        "Bayesian experimental design and Bayesian optimisation.",
        [
            (
                "D4",
                "Optimal experimental design for causal discovery. Given the Markov equivalence class learned "
                "from observational data, we select a batch of interventions that maximises the mutual "
                "information with the true graph, using a particle approximation of the posterior over DAGs.",
            ),
            (
                None,
                "Bayesian optimisation of neural network hyperparameters. A Gaussian process surrogate with an "
                "expected improvement acquisition function tunes learning rates and depths of transformers with "
                "few training runs.",
            ),
        ],
    ),
    (
        "Large language models for scientific knowledge and reasoning about cause and effect.",
        [
            (
                "D5",
                "Language models know which way causation runs: using variable descriptions for orientation. "
                "Given only the names of two variables, GPT-4 predicts the direction of the causal edge in the "
                "Tübingen cause-effect pairs with high accuracy, which we use to orient edges left undirected by "
                "the PC algorithm.",
            ),
            (
                "L3",
                "Mining cause-effect relations from biomedical papers. We train a relation extraction model on "
                "annotated PubMed sentences to detect causal and correlational claims, and show that causal "
                "language often overstates the evidence of observational studies.",
            ),
            (
                "L1",
                "Evaluating formal causal inference in language models. We generate questions from causal graphs "
                "that ask whether one variable causes another given a set of correlations, and find that current "
                "models fail to apply d-separation and conditional independence reasoning.",
            ),
        ],
    ),
    (
        "Semiparametric statistics, double machine learning and observational studies in medicine.",
        [
            (
                "E1",
                "Double/debiased machine learning for treatment and structural parameters. Using "
                "Neyman-orthogonal moment conditions and cross-fitting, machine learning estimates of nuisance "
                "functions yield root-n consistent and asymptotically normal estimates of treatment effects.",
            ),
            (
                "E3",
                "Propensity score weighting with poor overlap: overlap weights. We propose weights proportional "
                "to the probability of receiving the opposite treatment, which give exact balance on covariate "
                "means in logistic regression and define a target population with the most clinical equipoise.",
            ),
        ],
    ),
    (
        "Econometrics, instrumental variables and robustness of machine learning models.",
        [
            (
                "E2",
                "Kernel instrumental variable regression. We estimate nonlinear structural functions with "
                "instruments by two-stage regression in reproducing kernel Hilbert spaces, with consistency "
                "guarantees.",
            ),
            (
                "L4",
                "Invariant risk minimisation for text classification. Training across environments where the "
                "association between a spurious token and the label changes, we learn predictors that rely on "
                "invariant features and generalise to out-of-distribution reviews.",
            ),
            (
                None,
                "Estimating demand for differentiated products. We estimate consumer price elasticities in the "
                "market for cars with a random coefficients logit model, using cost shifters as instruments for "
                "price.",
            ),
        ],
    ),
    (
        "Natural language processing, text as data in the social sciences, and bias in language models.",
        [
            (
                "E5",
                "Text as confounder: adapting text embeddings for causal inference. We learn low-dimensional "
                "representations of documents that are sufficient for adjusting for confounding, by predicting "
                "propensity and outcome from a BERT encoder, and estimate the effect of post features on "
                "popularity.",
            ),
            (
                "M5",
                "Investigating gender bias in language models using causal mediation analysis. We intervene on "
                "neurons and attention heads to measure how much of a model's gender bias flows through them, "
                "and find the effect is sparse and concentrated in a few components.",
            ),
        ],
    ),
    (
        "Interpretability of transformers and reasoning in language models.",
        [
            (
                "L2",
                "Counterfactual reasoning benchmarks for large language models. We test whether models answer "
                "correctly when a story's premise is changed hypothetically, and find they often ignore the "
                "counterfactual premise in favour of world knowledge.",
            ),
            (
                "M1",
                "Causal tracing of factual knowledge in GPT. By corrupting inputs and restoring hidden "
                "activations one at a time, we find that factual associations are stored in middle-layer "
                "feed-forward modules, and we edit them directly with a rank-one model editing method.",
            ),
            (
                "M2",
                "Interchange intervention training. We train neural networks so that their internal "
                "representations align with the variables of a high-level causal model, by swapping "
                "representations between inputs and matching the counterfactual output of the causal model.",
            ),
        ],
    ),
    # Four reviewers who work broadly in one topic, with no paper on any submission's exact subject.
    (
        "Causal discovery: identifiability of structural causal models and benchmarks for structure learning.",
        [
            (
                None,
                "A linear non-Gaussian acyclic model for causal discovery. When the disturbances of a linear "
                "structural equation model are non-Gaussian, independent component analysis identifies the full "
                "causal order from observational data alone.",
            ),
            (
                None,
                "Nonlinear causal discovery with additive noise models. For two variables, a nonlinear function "
                "with independent additive noise is identifiable in only one direction, which we test with the "
                "Hilbert-Schmidt independence criterion on cause-effect pairs.",
            ),
            (
                None,
                "Beware of the simulated DAG: varsortability in causal discovery benchmarks. Marginal variance "
                "increases along the causal order in common synthetic benchmarks, so that sorting variables by "
                "variance rivals continuous structure learning methods.",
            ),
            (
                None,
                "Learning gene regulatory networks from single-cell perturbation screens. We use interventional "
                "data from CRISPR knockouts to learn causal graphs among genes, scaling structure learning to "
                "thousands of variables.",
            ),
        ],
    ),
    (
        "Causal effect estimation in epidemiology and economics.",
        [
            (
                None,
                "Difference-in-differences with staggered treatment adoption. Two-way fixed effects estimators "
                "are biased when effects vary over time; we propose group-time average treatment effects "
                "aggregated with appropriate weights.",
            ),
            (
                None,
                "Targeted maximum likelihood estimation of the average treatment effect. A doubly robust, "
                "efficient plug-in estimator updates an initial machine learning fit of the outcome along the "
                "efficient influence function, using the propensity score.",
            ),
            (
                None,
                "Mediation analysis in epidemiology: natural direct and indirect effects. We review the "
                "identification of direct and indirect effects of an exposure through a mediator, and the "
                "sensitivity of the estimates to mediator-outcome confounding.",
            ),
            (
                None,
                "Regression discontinuity designs with covariate adjustment. Local polynomial estimators of the "
                "effect at a cutoff become more precise when pre-treatment covariates are added, without "
                "changing the estimand.",
            ),
        ],
    ),
    (
        "Evaluation of large language models: reasoning, faithfulness and hallucination.",
        [
            (
                None,
                "Measuring the faithfulness of chain-of-thought reasoning. We intervene on the reasoning steps "
                "that language models generate and find that final answers often do not depend on them.",
            ),
            (
                None,
                "Benchmark contamination in large language model evaluation. Test questions from popular "
                "benchmarks appear in pretraining corpora, inflating reported reasoning accuracy; paraphrased "
                "versions reveal the gap.",
            ),
            (
                None,
                "Hallucination in abstractive summarisation of scientific articles. Language models add "
                "unsupported claims to summaries; we annotate factual errors and train a detector.",
            ),
            (
                None,
                "Mathematical reasoning of language models on grade-school word problems. Small perturbations of "
                "the numbers and irrelevant sentences reduce accuracy sharply.",
            ),
        ],
    ),
    (
        "Explainability and interpretability of deep neural networks.",
        [
            (
                None,
                "Sanity checks for saliency maps. Many attribution methods produce similar explanations for "
                "trained and randomly initialised networks, so they do not reflect what the model learned.",
            ),
            (
                None,
                "Probing classifiers reveal syntax in contextual word representations. Linear probes recover "
                "parse trees from the hidden states of BERT, suggesting that syntax is encoded in the geometry of "
                "the representation space.",
            ),
            (
                None,
                "Toy models of superposition. Networks represent more features than they have dimensions by "
                "superposing them, which explains polysemantic neurons.",
            ),
            (
                None,
                "Attention is not explanation. Attention weights often disagree with gradient-based feature "
                "importance, and adversarial attention distributions leave predictions unchanged.",
            ),
        ],
    ),
    (
        "Mechanistic interpretability and automated circuit discovery.",
        [
            (
                "M4",
                "Towards automated circuit discovery for mechanistic interpretability. We automate the search "
                "for the subgraph of a model responsible for a task by iteratively patching and pruning edges of "
                "the computational graph, recovering the circuit for indirect object identification in GPT-2 "
                "small.",
            ),
            (
                None,
                "Pruning graph neural networks with lottery tickets. We find sparse subnetworks of graph neural "
                "networks that train to full accuracy on node classification benchmarks, reducing inference cost.",
            ),
        ],
    ),
]


def expert_of(subject: str) -> int:
    return next(index for index, (_, papers) in enumerate(REVIEWERS) for key, _ in papers if key == subject)


def _normalised(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _log_mean_exp(similarities: np.ndarray, temperature: float = 0.1) -> np.ndarray:
    return temperature * np.log(np.mean(np.exp(similarities / temperature), axis=1))


# Each rule: (papers x dims, one reviewer's texts x dims), both L2-normalised -> one score per paper.
RULES = {
    "max over texts (chosen)": lambda papers, texts: (papers @ texts.T).max(axis=1),
    "mean of the top two": lambda papers, texts: np.sort(papers @ texts.T, axis=1)[:, -2:].mean(axis=1),
    "soft maximum (log-mean-exp, T=0.1)": lambda papers, texts: _log_mean_exp(papers @ texts.T),
    "mean of similarities": lambda papers, texts: (papers @ texts.T).mean(axis=1),
    "cosine to the mean embedding": lambda papers, texts: papers @ _normalised(texts.mean(axis=0)),
}


def rule_scores(rule, papers: np.ndarray, texts: np.ndarray, owners: np.ndarray, n_reviewers: int) -> np.ndarray:
    return np.stack([rule(papers, texts[owners == reviewer]) for reviewer in range(n_reviewers)], axis=1)


def ranking_quality(scores: np.ndarray, experts: list[int]) -> tuple[float, float]:
    """Mean reciprocal rank of each paper's expert (ties counted against it), and top-1 accuracy."""
    ranks = np.array([(row >= row[expert]).sum() for row, expert in zip(scores, experts, strict=True)])
    return float(np.mean(1 / ranks)), float(np.mean(ranks == 1))


def reviewer_texts(with_statements: bool) -> tuple[list[str], np.ndarray]:
    texts, owners = [], []
    for reviewer, (statement, own_papers) in enumerate(REVIEWERS):
        mine = [statement] * with_statements + [text for _, text in own_papers]
        texts += mine
        owners += [reviewer] * len(mine)
    return texts, np.array(owners)


def resampled_quality(rule, papers: np.ndarray, vectors: dict[str, np.ndarray], draws: int) -> tuple[float, float]:
    """Quality averaged over pools in which all the own papers are dealt at random to reviewers, 1-4 each.

    The hand-written pool is one way of mixing topics among reviewers; dealing the same papers
    anew many times shows whether a rule's advantage holds across mixes, not only for that one.
    """
    rng = np.random.default_rng(11)
    subjects = list(vectors)
    texts = np.stack(list(vectors.values()))
    results = []
    for _ in range(draws):
        order = rng.permutation(len(subjects))
        sizes = []
        while sum(sizes) < len(order):
            sizes.append(int(rng.integers(1, 5)))
        owners = np.empty(len(order), dtype=int)
        owners[order] = np.repeat(np.arange(len(sizes)), sizes)[: len(order)]
        experts = [int(owners[subjects.index(subject)]) for subject in SUBMISSIONS]
        results.append(ranking_quality(rule_scores(rule, papers, texts, owners, len(sizes)), experts))
    return tuple(np.mean(results, axis=0))


def compare_rules(methods: list[str], draws: int = 300) -> None:
    papers = list(SUBMISSIONS.values())
    experts = [expert_of(subject) for subject in SUBMISSIONS]
    texts, owners = reviewer_texts(with_statements=True)
    paper_texts, paper_owners = reviewer_texts(with_statements=False)
    pairs = [pair for _, mine in REVIEWERS for pair in mine]
    own_papers = [(subject or f"other {index}", text) for index, (subject, text) in enumerate(pairs)]
    print(
        f"Combination rules: {len(papers)} submissions; {len(REVIEWERS)} reviewers with {len(texts)} texts "
        f"(statements and {len(paper_texts)} own papers)."
    )
    print("MRR / top-1 of each submission's expert: hand-written pool (statements and own papers);")
    print(f"{draws} pools dealing the own papers at random, 1-4 a reviewer (no statements).")
    header = "".join(f"{method + ' pool':>16}{method + ' dealt':>16}" for method in methods)
    print(f"  {'rule':36}{header}")
    rows = {rule: "" for rule in RULES}
    extra = ""
    for method in methods:
        vectors = embed([*papers, *texts], method=method)
        if sparse.issparse(vectors):
            vectors = vectors.toarray()
        paper_vectors, text_vectors = vectors[: len(papers)], vectors[len(papers) :]
        reviewers = [[statement, *(text for _, text in mine)] for statement, mine in REVIEWERS]
        chosen = rule_scores(RULES["max over texts (chosen)"], paper_vectors, text_vectors, owners, len(REVIEWERS))
        assert np.allclose(affinity_matrix(papers, reviewers, method=method), np.clip(chosen, 0, 1), atol=1e-5)
        by_text = dict(zip(texts, text_vectors, strict=True))
        dealt = {subject: by_text[text] for subject, text in own_papers}
        for name, rule in RULES.items():
            pool = ranking_quality(rule_scores(rule, paper_vectors, text_vectors, owners, len(REVIEWERS)), experts)
            rows[name] += "{:>16}{:>16}".format(
                "{:.2f} / {:.2f}".format(*pool),
                "{:.2f} / {:.2f}".format(*resampled_quality(rule, paper_vectors, dealt, draws)),
            )
        no_statements = np.array([by_text[text] for text in paper_texts])
        scores = rule_scores(
            RULES["max over texts (chosen)"], paper_vectors, no_statements, paper_owners, len(REVIEWERS)
        )
        extra += "{:>16}{:>16}".format("{:.2f} / {:.2f}".format(*ranking_quality(scores, experts)), "")
    for name, cells in rows.items():
        print(f"  {name:36}{cells}")
    print(f"  {'max, leaving out the statements':36}{extra}")


def synthetic_abstracts(count: int, words: int, seed: int = 7) -> list[str]:
    """Abstracts of about ``words`` words, sentences drawn at random from the hand-written set."""
    sentences = [
        sentence.strip() + "."
        for text in [*SUBMISSIONS.values(), *(t for _, papers in REVIEWERS for _, t in papers)]
        for sentence in text.split(". ")
        if sentence.strip()
    ]
    rng = random.Random(seed)
    abstracts = []
    for _ in range(count):
        chosen: list[str] = []
        while sum(len(sentence.split()) for sentence in chosen) < words:
            chosen.append(rng.choice(sentences))
        abstracts.append(" ".join(" ".join(chosen).split()[:words]))
    return abstracts


def measure_throughput(methods: list[str]) -> None:
    """Wall-clock rate, and the rate per CPU-second, which other work on the machine disturbs less."""
    abstracts = synthetic_abstracts(SYNTHETIC_ABSTRACTS, SYNTHETIC_WORDS)
    print(f"\nThroughput: {len(abstracts)} abstracts of {SYNTHETIC_WORDS} words, {CORES} cores")
    for method in methods:
        embed(abstracts[:8], method=method)  # warm up
        wall, cpu = time.perf_counter(), time.process_time()
        embed(abstracts, method=method)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"  {method}: {len(abstracts) / wall:,.0f} abstracts/s ({wall:.2f} s wall); "
            f"{len(abstracts) / cpu:,.1f} abstracts per CPU-second"
        )


def measure_combination(n_papers: int = 2_000, n_reviewers: int = 1_500, texts_each: int = 4) -> None:
    rng = np.random.default_rng(0)

    def unit(rows: int) -> np.ndarray:
        vectors = rng.standard_normal((rows, 384), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    papers, texts = unit(n_papers), unit(n_reviewers * texts_each)
    owners = np.repeat(np.arange(n_reviewers), texts_each)
    start = time.perf_counter()
    affinity_from_embeddings(papers, texts, owners, n_reviewers)
    elapsed = time.perf_counter() - start
    pairs = n_papers * n_reviewers * texts_each
    print(
        f"\nCombining cached MiniLM vectors: {n_papers} papers x {n_reviewers} reviewers x {texts_each} texts "
        f"in {elapsed:.2f} s ({pairs / elapsed / 1e6:,.0f} M paper-text pairs/s)"
    )


def load_minilm() -> None:
    import torch

    start = time.perf_counter()
    minilm_model()
    torch.set_num_threads(CORES)
    print(f"MiniLM: import and load {time.perf_counter() - start:.1f} s, once per process.")


def main() -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine slows the timings).\n")
    methods = list(available_methods())
    if "minilm" in methods:
        load_minilm()
    else:
        print("The affinity extra is not installed: MiniLM is left out.")
    compare_rules(methods)
    measure_throughput(methods)
    measure_combination()


if __name__ == "__main__":
    main()
