"""dashboard"""

from workshop.stubs import not_built

dashboard = dashboard_csv = not_built
