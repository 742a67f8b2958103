"""discussion"""

from workshop.stubs import not_built

discussion = remind_late = not_built
