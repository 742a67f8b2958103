"""Camera-ready versions, publication and the public accepted-papers page; exports."""

from workshop.stubs import not_built

camera_ready = accepted_papers = camera_ready_pdf = publish = export = not_built
