"""The bidding page: a reviewer says which papers they want to review.

A bid is a small form per paper. With htmx it is posted in the background and the answer is the
paper's card again (saved, or with the reason it was not) plus the bid counter, swapped out of
band; without JavaScript the same form posts and the reviewer is sent back to the page they were
on, filters and page number kept.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from reviews import selectors
from reviews.enums import BidValue
from reviews.forms import BiddingFilterForm
from reviews.services import bids as services
from workshop.views import workshop_permission_required

PAGE_SIZE = 25


def _page_context(request, workshop, back):
    return {
        "workshop": workshop,
        "progress": selectors.bidding_progress(workshop, request.user),
        "closed": services.bidding_closed_message(workshop),
        "bid_values": BidValue.choices,
        "back": back,
    }


@workshop_permission_required("reviews.bid")
def bidding(request, workshop):
    filters = BiddingFilterForm(request.GET or None, workshop=workshop)
    chosen = filters.filters()
    papers = selectors.papers_for_bidding(workshop, request.user, **chosen)
    page = Paginator(papers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/bidding.html",
        {
            **_page_context(request, workshop, back=request.get_full_path()),
            "filters": filters,
            "is_filtered": any(chosen.values()),
            "by_affinity": papers.by_affinity,
            "page": page,
        },
    )


def _back_to_page(request, workshop):
    """The bidding page the bid was placed from (its filters and page number), if `next` is one."""
    page_url = reverse("reviews:bidding", args=[workshop.slug])
    target = request.POST.get("next", "")
    is_local = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if is_local and target.startswith(page_url) else page_url


@require_POST
@workshop_permission_required("reviews.bid")
def bid(request, workshop, submission_id):
    paper = selectors.paper_for_bidding(workshop, request.user, submission_id)
    value = request.POST.get("value", "")
    error = ""
    try:
        services.place_bid(workshop=workshop, reviewer=request.user, submission=paper, value=value)
    except services.BidRefused as refusal:
        error = str(refusal)
    else:
        paper.my_bid = BidValue(value)
    back = _back_to_page(request, workshop)
    if request.htmx:
        return render(
            request,
            "reviews/bidding.html#bid_response",
            {**_page_context(request, workshop, back), "paper": paper, "error": error, "saved": not error},
        )
    if error:
        messages.error(request, f"Your bid on {paper.label} is not saved: {error}")
    else:
        messages.success(request, f"Your bid on {paper.label} is saved: {paper.my_bid.label}.")
    return redirect(f"{back}#paper-{paper.pk}")
