"""The shape of a locale: every sentence atende says to a customer or an agent.

A locale is one instance of `Texts`; mypy checks that each defines every sentence. Markers
(🔔 💬 ⏳ 📋 ✅ ⚠️) are part of the agent-facing sentences on purpose: docs/design.md §5 makes them
the first thing an agent sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..failures import Failure


@dataclass(frozen=True)
class Texts:
    # durations and labels
    seconds: str
    minutes: str
    hours_minutes: str
    media_labels: dict[str, str]
    location_label: str
    contacts_label: str
    order_label: str
    unsupported_label: str
    edited_label: str
    revoked_label: str
    edited_quoting: str
    """An edit relayed to the agent, quoting what it changes."""
    revoked_quoting: str
    """A deletion relayed to the agent, quoting what was deleted."""
    reaction_label: str
    system_label: str
    you: str
    leave_words: tuple[str, ...]

    # customer side
    greeting: str
    greeting_named: str
    menu_button: str
    menu_reprompt: str
    menu_left: str
    queued: str
    estimate: str
    still_queued: str
    outside_hours: str
    left_queue: str
    being_served: str
    back_in_queue: str
    transferred: str
    removed: str
    removed_reason: str
    ended: str
    rating_prompt: str
    rating_options: tuple[tuple[int, str], ...]
    rating_thanks: str
    unsupported_customer: str
    agent_unreachable: str
    agent_edited: str
    """The agent edited a message the customer already has (WhatsApp cannot edit it for us)."""
    agent_revoked: str
    became_agent: str
    """To a customer whose number the config now lists as an agent's."""

    # agent side: relays and notices
    assignment: str
    assignment_transfer: str
    assignment_wrote: str
    assignment_continues: str
    assignment_part: str
    assignment_media_left_out: str
    assignment_window_template: str
    """A line of the 🔔: the customer's window has closed, the template will carry her first words."""
    assignment_window_closed: str
    """A line of the 🔔: the customer's window has closed and no template is configured."""
    assignment_active_hint: str
    assignment_background_hint: str
    relay_header: str
    reminder: str
    reminder_part: str
    offer_missed: str
    offer_waiting: str

    # agent side: command answers
    help: str
    checked_in: str
    already_in: str
    checked_out: str
    checkout_refused: str
    paused: str
    resumed: str
    offline: str
    queue_header: str
    queue_line: str
    queue_empty: str
    nobody_waiting: str
    at_capacity: str
    target_missing: str
    removed_done: str
    ended_done: str
    now_active: str
    transferred_done: str
    unknown_department: str
    same_department: str
    active_header: str
    active_line: str
    active_none: str
    active_window_template: str
    active_window_held: str
    active_window_closed: str
    switched: str
    not_yours: str
    history_header: str
    history_line: str
    history_empty: str
    no_active: str
    conversation_gone: str
    cannot_relay: str
    unknown_command: str
    undelivered_to_customer: str
    undelivered_to_you: str
    customer_window_closed: str
    number_changed_customer: str
    number_changed_agent: str
    became_agent_done: str
    customer_window_waiting: str
    customer_template_failed: str
    back_from_reopen: str
    still_arriving: str
    failure_reasons: dict[Failure, str]
    """Why a message was not delivered, by kind; other kinds quote the provider's code."""
    failure_other: str
    usage: dict[str, str]

    # opening hours and idle rules (docs/adr/0009-idle-rules.md)
    reopens: str
    """The sentence `{reopens}` of `outside_hours`: when the department opens again."""
    opens_today: str
    opens_tomorrow: str
    opens_on: str
    """A day within the coming week, by its weekday name."""
    opens_on_date: str
    """A day a week or more away (a long holiday): its weekday and its date."""
    weekdays: tuple[str, ...]
    """Monday first, as `datetime.weekday()` counts."""
    months: tuple[str, ...]
    idle_closed: str
    """To a customer whose conversation both sides left silent for `[idle] assigned_hours`."""
    idle_closed_done: str
    """To the agent who served it: who, and why it closed."""
    idle_customer_told: str
    idle_customer_later: str
    """The customer's 24 h window had closed: the notice waits for them to write again."""
    idle_held_waiting: str
    """The agent's words that wait for the customer's answer to the template: they still do."""
    # supervisors: /painel, /relatorio, moving anyone who waits (docs/design.md §5)
    supervisors_only: str
    help_supervisor: str
    """Appended to `help` for a supervisor."""
    status_labels: dict[str, str]
    """An agent's status (available, busy, paused, offline) as the panel shows it."""
    decimal_point: str
    dashboard_header: str
    dashboard_line: str
    dashboard_line_empty: str
    dashboard_agents: str
    dashboard_agent: str
    dashboard_no_agents: str
    more_lines: str
    """The last line of a listing cut to fit one WhatsApp message."""
    report_header: str
    report_today: str
    report_days: str
    report_department: str
    report_figures: str
    report_total: str
    report_agents: str
    report_agent: str
    report_nothing: str
    moved_done: str
