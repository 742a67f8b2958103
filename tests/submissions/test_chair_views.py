"""Chairs list, filter, export and open submissions, extend a paper's deadline and desk-reject it."""

import csv
import io
import re
from datetime import UTC, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from submissions import services
from submissions.enums import SubmissionStatus
from submissions.filters import conflicted_submission_ids
from submissions.models import Submission
from submissions.selectors import conflicted_submissions, is_conflicted
from tests.submissions.pdf_samples import make_pdf
from workshop.enums import EmailAudience
from workshop.mail import queue_email
from workshop.models import OutboxEmail
from workshop.phases import AOE
from workshop.templatetags.workshop_tags import aoe

pytestmark = pytest.mark.django_db

# The request's savepoint and release, session, user, memberships, workshop and its directions,
# verified emails, conflicted papers, the overview (counts and days), the page count, the page's
# rows and their authors: fixed, whatever the number of papers.
LIST_QUERY_BOUND = 13


def list_url(**params):
    url = reverse("submissions:chair_list", args=["calm"])
    return f"{url}?{urlencode(params)}" if params else url


def csv_url(**params):
    url = reverse("submissions:chair_csv", args=["calm"])
    return f"{url}?{urlencode(params)}" if params else url


def listed_numbers(response):
    return [int(n) for n in re.findall(r'<tr (?:class="conflict-row" )?data-number="(\d+)"', response.content.decode())]


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def table_html(response):
    html = response.content.decode()
    return html[html.index('<table class="table table-sm align-middle" id="papers">') :]


@pytest.fixture
def papers(workshop, cast, submit_paper):
    """Three papers: #1 in "in", flagged (its PDF names the author); #2 in "for"; #3 in "in", withdrawn."""
    flagged = submit_paper(
        workshop,
        cast["author"],
        title="Causal knowledge in transformers",
        primary_direction="in",
        pdf=make_pdf(metadata={"/Author": cast["author"].name}),
        authors=[cast["author"], cast["coauthor"]],
    )
    plain = submit_paper(workshop, cast["other_author"], title="Interventions for alignment", primary_direction="for")
    withdrawn = submit_paper(workshop, cast["other_author"], title="Withdrawn thoughts", primary_direction="in")
    services.transition(submission=withdrawn, to=SubmissionStatus.WITHDRAWN, by=cast["other_author"])
    return flagged, plain, withdrawn


# --- the list --------------------------------------------------------------------------------


def test_list_shows_each_paper_with_its_authors_direction_status_and_flag(chair_client, papers, cast):
    response = chair_client.get(list_url())

    html = table_html(response)
    assert listed_numbers(response) == [1, 2, 3]
    assert "Causal knowledge in transformers" in html and "Interventions for alignment" in html
    assert 'Ada Author <span class="text-body-secondary">(' in html and "Cole Coauthor" in html
    assert html.count("anonymity flag</span>") == 1
    assert "Withdrawn</span>" in html and "Causality for large models" in html
    assert "3 papers." in response.content.decode()


def test_list_never_shows_drafts(chair_client, workshop, cast, papers):
    services.create_submission(
        workshop=workshop,
        by=cast["author"],
        creation_key="00000000-0000-0000-0000-000000000001",
        fields={"title": "Secret draft", "abstract": "Not yet.", "primary_direction": workshop.directions.first()},
        authors=[services.AuthorEntry("Ada Author", cast["author"].email)],
    )

    response = chair_client.get(list_url())

    assert "Secret draft" not in response.content.decode()
    assert listed_numbers(response) == [1, 2, 3]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"direction": "in"}, [1, 3]),
        ({"direction": "for"}, [2]),
        ({"status": "submitted"}, [1, 2]),
        ({"status": "withdrawn"}, [3]),
        ({"status": "desk_rejected"}, []),
        ({"flag": "yes"}, [1]),
        ({"flag": "no"}, [2, 3]),
        ({"direction": "in", "status": "submitted"}, [1]),
        ({"q": "interventions"}, [2]),
        ({"q": "#3"}, [3]),
        ({"q": "2"}, [2]),
        ({"status": "nonsense"}, [1, 2, 3]),
    ],
)
def test_list_filters(chair_client, papers, params, expected):
    response = chair_client.get(list_url(**params))

    assert listed_numbers(response) == expected


def test_csv_flag_filter_matches_the_list(chair_client, papers):
    rows = csv_rows(chair_client.get(csv_url(flag="yes")))

    assert [row["number"] for row in rows] == ["1"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", [1, 2, 3]),
        ("number", [1, 2, 3]),
        ("-number", [3, 2, 1]),
        ("title", [1, 2, 3]),
        ("-title", [3, 2, 1]),
        ("status", [1, 2, 3]),
        ("-status", [3, 1, 2]),
        ("-submitted_at", [3, 2, 1]),
    ],
)
def test_list_orders_by_column(chair_client, papers, ordering, expected):
    response = chair_client.get(list_url(ordering=ordering))

    assert listed_numbers(response) == expected


def test_sort_and_csv_links_keep_the_filters(chair_client, papers):
    html = chair_client.get(list_url(ordering="title", direction="in")).content.decode()

    assert 'class="text-nowrap" aria-sort="ascending"><a href="?ordering=-title&amp;direction=in">Title</a> ▲' in html
    assert '<a href="?ordering=number&amp;direction=in">#</a>' in html
    assert f'href="{csv_url()}?ordering=title&amp;direction=in">Download as CSV</a>' in html


def test_list_paginates_fifty_a_page_keeping_the_filters(chair_client, workshop, cast, submit_paper):
    for _ in range(52):
        submit_paper(workshop, cast["author"], primary_direction="in")
    submit_paper(workshop, cast["author"], primary_direction="for")

    first = chair_client.get(list_url(direction="in"))
    second = chair_client.get(list_url(direction="in", page=2))

    assert listed_numbers(first) == list(range(1, 51))
    assert listed_numbers(second) == [51, 52]
    assert 'href="?direction=in&amp;page=2">Next</a>' in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_counts_per_direction_count_all_numbered_and_submitted_papers(chair_client, papers):
    response = chair_client.get(list_url(status="withdrawn"))

    counts = re.findall(
        r"<tr><td>([^<]+)</td><td class=\"text-end\">(\d+)</td><td class=\"text-end\">(\d+)</td></tr>",
        response.content.decode(),
    )
    assert counts == [("Causality in large models", "2", "1"), ("Causality for large models", "1", "1")]


def test_timeline_draws_one_bar_per_day_with_its_count(chair_client, workshop, cast, submit_paper, monkeypatch):
    start = timezone.now() - timedelta(days=3)
    for day, papers in ((0, 2), (2, 1)):
        monkeypatch.setattr(timezone, "now", lambda day=day: start + timedelta(days=day))
        for _ in range(papers):
            submit_paper(workshop, cast["author"])
    monkeypatch.undo()

    html = chair_client.get(list_url()).content.decode()

    svg = html[html.index('<svg class="w-100 text-primary') : html.index("</svg>")]
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    days = [(start + timedelta(days=i)).astimezone(UTC) for i in range(3)]
    assert titles == [
        f"{days[0]:%a} {days[0].day} {days[0]:%b %Y}: 2 submissions",
        f"{days[1]:%a} {days[1].day} {days[1]:%b %Y}: 0 submissions",
        f"{days[2]:%a} {days[2].day} {days[2]:%b %Y}: 1 submission",
    ]
    assert " style=" not in svg and "<script" not in html.split("</head>")[1]
    table = html[html.index('id="timeline-table"') :]
    assert f"<td>{days[0]:%Y-%m-%d}</td><td>2</td>" in table and f"<td>{days[1]:%Y-%m-%d}</td><td>0</td>" in table


def test_list_without_submissions_says_so(chair_client):
    html = chair_client.get(list_url()).content.decode()

    assert "No paper has been submitted yet." in html
    assert "<svg" not in html.split("<main")[1]


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_paper_with_its_details(chair_client, papers, workshop, cast):
    flagged = papers[0]

    response = chair_client.get(csv_url())

    assert response["Content-Disposition"] == 'attachment; filename="calm-submissions.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert [row["number"] for row in rows] == ["1", "2", "3"]
    assert rows[0] == {
        "number": "1",
        "title": "Causal knowledge in transformers",
        "status": "Submitted",
        "primary direction": "Causality in large models",
        "secondary directions": "",
        "authors": "Ada Author; Cole Coauthor",
        "author emails": "author@uni-a.example; coauthor@uni-b.example",
        "affiliations": f"{cast['author'].affiliation}; {cast['coauthor'].affiliation}",
        "submitted at (UTC)": flagged.submitted_at.astimezone(UTC).isoformat(timespec="seconds"),
        "pages": "1",
        "anonymity flag": "yes",
        "conflict": "",
    }
    assert (rows[2]["status"], rows[2]["anonymity flag"]) == ("Withdrawn", "no")


def test_csv_counts_the_pages_of_the_current_version(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], pdf=make_pdf(pages=2))
    services.update_submission(
        submission=paper,
        by=cast["author"],
        base_version=paper.version,
        fields={"title": paper.title},
        authors=[services.AuthorEntry("Ada Author", cast["author"].email)],
        paper=services.check_paper(io.BytesIO(make_pdf(pages=5)), workshop=workshop),
    )

    rows = csv_rows(chair_client.get(csv_url()))

    assert rows[0]["pages"] == "5"


def test_csv_applies_the_same_filters_and_order(chair_client, papers):
    rows = csv_rows(chair_client.get(csv_url(direction="in", ordering="-number")))

    assert [row["number"] for row in rows] == ["3", "1"]


def test_csv_cells_cannot_run_as_formulas(chair_client, workshop, cast, submit_paper):
    submit_paper(
        workshop,
        cast["author"],
        title='=HYPERLINK("http://evil.example","x")',
        authors=[
            services.AuthorEntry("+Mallory", "m@uni-m.example", "@evil"),
            services.AuthorEntry("-Eve", "eve@uni-e.example", "Plain University"),
        ],
    )

    rows = csv_rows(chair_client.get(csv_url()))

    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[0]["authors"] == "'+Mallory; -Eve"
    assert rows[0]["affiliations"] == "'@evil; Plain University"


# --- conflicts -------------------------------------------------------------------------------


@pytest.fixture
def conflicted_client(client, cast):
    client.force_login(cast["conflicted_chair"])
    return client


@pytest.fixture(params=["member", "domain"])
def conflicted_paper(request, workshop, cast, submit_paper):
    """A paper the conflicted chair may not handle: named by its authors, or by institution."""
    declared = {
        "member": {"conflicted_members": [cast["conflicted_chair"]]},
        "domain": {"conflict_domains": ["UNI-A.example"]},  # matched whatever the case
    }[request.param]
    submit_paper(workshop, cast["other_author"], title="Visible paper", primary_direction="for")
    return submit_paper(
        workshop,
        cast["author"],
        title="Hidden authors",
        primary_direction="in",
        pdf=make_pdf(metadata={"/Author": "Ada Author"}),
        **declared,
    )


def test_conflicted_chair_sees_only_number_and_title_in_the_list(conflicted_client, conflicted_paper):
    response = conflicted_client.get(list_url())

    html = table_html(response)
    row = html[html.index('class="conflict-row"') :].split("</tr>")[0]
    assert listed_numbers(response) == [1, 2]
    assert "<td>2</td>" in row and "Hidden authors" in row and "conflict</span>" in row
    assert "Ada Author" not in html and "href" not in row and "anonymity flag" not in row
    assert "Causality in large models" not in row and "Submitted" not in row
    assert reverse("submissions:chair_detail", args=["calm", conflicted_paper.pk]) not in html


def test_conflicted_chair_sees_only_number_and_title_in_the_csv(conflicted_client, conflicted_paper):
    rows = csv_rows(conflicted_client.get(csv_url()))

    assert rows[1] == {
        "number": "2",
        "title": "Hidden authors",
        "status": "",
        "primary direction": "",
        "secondary directions": "",
        "authors": "",
        "author emails": "",
        "affiliations": "",
        "submitted at (UTC)": "",
        "pages": "",
        "anonymity flag": "",
        "conflict": "yes",
    }
    assert rows[0]["conflict"] == "" and rows[0]["authors"] == "Otto Other"


def test_conflicted_chair_cannot_open_or_download_the_paper(conflicted_client, conflicted_paper):
    file = conflicted_paper.files.get()

    detail = conflicted_client.get(reverse("submissions:chair_detail", args=["calm", conflicted_paper.pk]))
    download = conflicted_client.get(reverse("submissions:download", args=["calm", conflicted_paper.pk, file.pk]))

    assert (detail.status_code, download.status_code) == (404, 404)


@pytest.mark.parametrize("params", [{"direction": "in"}, {"status": "submitted"}, {"flag": "yes"}, {"flag": "no"}])
def test_filters_on_hidden_details_never_match_a_conflicted_paper(conflicted_client, conflicted_paper, params):
    response = conflicted_client.get(list_url(**params))

    assert 2 not in listed_numbers(response)


def test_sorting_by_status_puts_conflicted_papers_last(conflicted_client, conflicted_paper, cast):
    services.transition(
        submission=Submission.objects.get(number=1), to=SubmissionStatus.WITHDRAWN, by=cast["other_author"]
    )

    ascending = conflicted_client.get(list_url(ordering="status"))
    descending = conflicted_client.get(list_url(ordering="-status"))

    assert listed_numbers(ascending) == listed_numbers(descending) == [1, 2]


def test_counts_and_timeline_leave_out_the_conflicted_chairs_papers(conflicted_client, conflicted_paper):
    html = conflicted_client.get(list_url()).content.decode()

    assert re.findall(r'<td class="text-end">(\d+)</td>', html) == ["0", "0", "1", "1"]
    assert "The 1 paper you are in conflict with is not counted here or in the chart." in html
    assert ": 1 submission</title>" in html


def test_sql_and_python_conflict_rules_agree_for_every_persona(workshop, cast, submit_paper):
    cast["reviewer"].email_domains = ["uni-x.example"]
    cast["reviewer"].save()
    papers = [
        submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]]),
        submit_paper(workshop, cast["other_author"], conflicted_members=[cast["conflicted_chair"], cast["chair"]]),
        submit_paper(workshop, cast["other_author"], conflict_domains=["uni-a.example", "uni-x.example"]),
        submit_paper(workshop, cast["other_author"], conflict_domains=["a.example"]),
    ]

    seen, expected = {}, {}
    for persona, user in cast.items():
        if user is None:
            continue
        expected[persona] = {
            p.pk for p in Submission.objects.filter(pk__in=[p.pk for p in papers]) if is_conflicted(user, p)
        }
        seen[persona] = conflicted_submission_ids(user, workshop)
        assert set(conflicted_submissions(user, workshop).values_list("pk", flat=True)) == expected[persona], persona

    assert seen == expected
    # The conflicted chair shares the author's institutional domain (uni-a.example): paper 0 too.
    assert expected["conflicted_chair"] == {papers[0].pk, papers[1].pk, papers[2].pk}
    assert expected["chair"] == {papers[1].pk}


# --- one paper -------------------------------------------------------------------------------


def test_chair_detail_shows_everything_about_the_paper(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(
        workshop,
        cast["author"],
        title="Full view",
        pdf=make_pdf(metadata={"/Author": "Ada Author"}),
        conflicted_members=[cast["conflicted_chair"]],
        conflict_domains=["uni-z.example"],
        secondary_directions=[workshop.directions.get(slug="for")],
    )

    html = chair_client.get(reverse("submissions:chair_detail", args=["calm", paper.pk])).content.decode()

    assert "#1: Full view" in html
    assert "Ada Author &lt;author@uni-a.example&gt;" in html
    assert "Carl Cochair" in html and "uni-z.example" in html
    assert 'id="anonymity-findings"' in html
    assert f'{reverse("submissions:download", args=["calm", paper.pk, paper.files.get().pk])}">paper-1.pdf</a>' in html
    assert 'id="extension-form"' in html and 'id="desk-reject-form"' in html
    assert "[CaLM] Submission #1 received: Full view" in html


@pytest.mark.parametrize("persona", ["chair", "conflicted_chair"])
def test_chair_detail_lists_the_emails_concerning_the_paper_that_the_chair_may_read(
    client, workshop, cast, submit_paper, persona
):
    hidden = submit_paper(workshop, cast["author"], title="Hidden", conflicted_members=[cast["conflicted_chair"]])
    paper = submit_paper(workshop, cast["other_author"], title="Open")
    reviewer = cast["reviewer"]
    for papers in ([paper], [paper, hidden]):  # assignment emails: the second names the hidden paper too
        queue_email(
            to=[reviewer.email],
            template="reviewer_assignment",
            context={"reviewer": reviewer, "papers": papers, "papers_url": "/"},
            workshop=workshop,
            audience=EmailAudience.REVIEWERS,
            papers=papers,
        )
    client.force_login(cast[persona])

    html = client.get(reverse("submissions:chair_detail", args=["calm", paper.pk])).content.decode()

    listed = re.findall(r"— (.*?) <span", html.split('id="emails"')[1].split("</ul>")[0])
    assert (
        listed
        == {
            "chair": ["[CaLM] 2 papers to review", "[CaLM] A paper to review", "[CaLM] Submission #2 received: Open"],
            # No email to reviewers at all for a chair in conflict (workshop.selectors.outbox_of).
            "conflicted_chair": ["[CaLM] Submission #2 received: Open"],
        }[persona]
    )


def test_chair_download_is_named_by_number_without_metadata(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], pdf=make_pdf(metadata={"/Author": "Ada Author", "/Title": "Mine"}))

    response = chair_client.get(reverse("submissions:download", args=["calm", paper.pk, paper.files.get().pk]))

    assert response["Content-Disposition"] == 'attachment; filename="paper-1.pdf"'
    metadata = PdfReader(io.BytesIO(b"".join(response.streaming_content))).metadata or {}
    assert "/Author" not in metadata


def aoe_input(moment):
    return moment.astimezone(AOE).strftime("%Y-%m-%dT%H:%M:%S")


def test_extension_lets_the_authors_edit_after_the_deadline(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])
    until = (workshop.submission_deadline + timedelta(days=3)).replace(microsecond=0)
    after_deadline = workshop.submission_deadline + timedelta(days=1)
    assert not services.may_edit(paper, now=after_deadline)

    response = chair_client.post(
        reverse("submissions:chair_extend", args=["calm", paper.pk]), {"until": aoe_input(until)}, follow=True
    )

    paper.refresh_from_db()
    assert paper.deadline_extension == until
    assert services.may_edit(paper, now=after_deadline)
    assert f"Paper #1 may now be changed until {aoe(until)}." in response.content.decode()


def test_extension_before_the_deadline_is_refused_on_the_page(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])

    response = chair_client.post(
        reverse("submissions:chair_extend", args=["calm", paper.pk]),
        {"until": aoe_input(workshop.submission_deadline - timedelta(days=1))},
    )

    paper.refresh_from_db()
    assert response.status_code == 200
    assert "Choose a time after the submission deadline" in response.content.decode()
    assert paper.deadline_extension is None


def test_desk_reject_emails_every_author_with_the_reason(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])

    response = chair_client.post(
        reverse("submissions:chair_desk_reject", args=["calm", paper.pk]), {"reason": "Out of scope."}, follow=True
    )

    paper.refresh_from_db()
    assert (paper.status, paper.desk_reject_reason) == (SubmissionStatus.DESK_REJECTED, "Out of scope.")
    assert "Paper #1 is desk-rejected." in response.content.decode()
    email = OutboxEmail.objects.get(topic=f"submission:{paper.pk}", template="submission_desk_rejected")
    assert email.to == [cast["author"].email, cast["coauthor"].email]
    assert "Out of scope." in email.body_text
    assert 'id="desk-reject-form"' not in response.content.decode()


def test_desk_reject_without_a_reason_is_refused(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])

    response = chair_client.post(reverse("submissions:chair_desk_reject", args=["calm", paper.pk]), {"reason": "  "})

    paper.refresh_from_db()
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert paper.status == SubmissionStatus.SUBMITTED
    assert not OutboxEmail.objects.filter(template="submission_desk_rejected").exists()


def test_desk_reject_of_a_withdrawn_paper_is_refused_with_a_message(chair_client, workshop, cast, submit_paper):
    paper = submit_paper(workshop, cast["author"])
    services.transition(submission=paper, to=SubmissionStatus.WITHDRAWN, by=cast["author"])

    response = chair_client.post(
        reverse("submissions:chair_desk_reject", args=["calm", paper.pk]), {"reason": "Too late."}, follow=True
    )

    paper.refresh_from_db()
    assert "A withdrawn paper cannot become desk-rejected." in response.content.decode()
    assert paper.status == SubmissionStatus.WITHDRAWN


def test_chair_pages_have_a_submissions_tab(chair_client):
    html = chair_client.get(reverse("workshop:settings", args=["calm"])).content.decode()

    assert f'href="{list_url()}">Submissions</a>' in html


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_list_queries_do_not_grow_with_submissions(
    chair_client, workshop, cast, submit_paper, count, django_assert_max_num_queries
):
    for n in range(count):
        submit_paper(
            workshop,
            cast["author"],
            primary_direction="for" if n % 2 else "in",
            authors=[cast["author"], cast["coauthor"]],
            conflicted_members=[cast["conflicted_chair"]],
        )

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = chair_client.get(list_url(ordering="status", direction="in"))

    assert len(listed_numbers(response)) == (count + 1) // 2


@pytest.mark.parametrize("count", [1, 30])
def test_csv_queries_do_not_grow_with_submissions(
    chair_client, workshop, cast, submit_paper, count, django_assert_max_num_queries
):
    for _ in range(count):
        submit_paper(
            workshop,
            cast["author"],
            authors=[cast["author"], cast["coauthor"]],
            secondary_directions=[workshop.directions.get(slug="for")],
        )

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        rows = csv_rows(chair_client.get(csv_url()))

    assert len(rows) == count


@pytest.mark.parametrize("count", [1, 30])
def test_conflicted_chairs_list_queries_do_not_grow(
    conflicted_client, workshop, cast, submit_paper, count, django_assert_max_num_queries
):
    for _ in range(count):
        submit_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_chair"]])

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = conflicted_client.get(list_url())

    assert len(listed_numbers(response)) == count
