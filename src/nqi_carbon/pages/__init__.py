"""What every page shares: templates, charts, labels, number formats and tables.

The HTML pages are Jinja2 templates in ``templates/``: ``base.html`` (the layout: doctype,
head, the one inline style sheet, footer) which every page extends, one template per
page (``report.html``, ``verification.html``, ``trajectory.html``), the notebook
displays (``*_display.html``) and shared macros (``macros.html``). :mod:`.render` holds
the one environment (escaping every value with :func:`~nqi_carbon._escape.html_text`);
:mod:`.charts` is the one place SVG is written. Each capability (``report``,
``verification``, ``trajectory``) gathers what its page shows and renders its template.
"""
