"""decisions"""

from workshop.stubs import not_built

chair_paper_reviews = decisions = release = email_template = author_reviews = not_built
