"""reviewing"""

from workshop.stubs import not_built

review = autosave = paper_pdf = review_form_settings = not_built
