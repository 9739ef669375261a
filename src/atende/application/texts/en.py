"""English."""

from __future__ import annotations

from ..failures import Failure
from .catalog import Texts

EN = Texts(
    seconds="{s} s",
    minutes="{m} min",
    hours_minutes="{h} h {m:02d} min",
    media_labels={
        "image": "📷 image",
        "audio": "🎤 audio",
        "video": "🎬 video",
        "document": "📄 document",
        "sticker": "🏷️ sticker",
    },
    location_label="📍 location",
    contacts_label="👤 contact",
    order_label="🛒 order with {items} item(s)",
    unsupported_label="❔ a message WhatsApp does not pass on ({type})",
    edited_label="✏️ edited a message: {body}",
    revoked_label="🗑️ deleted a message",
    edited_quoting="✏️ edited “{original}”: {body}",
    revoked_quoting="🗑️ deleted “{original}”",
    reaction_label="reacted {emoji}",
    system_label="ℹ️ {body}",
    you="You",
    leave_words=("exit", "quit", "leave", "sair"),
    greeting="Hello! You are talking to *{business}*.\nWhich department would you like?",
    greeting_named="Hello, {name}! You are talking to *{business}*.\nWhich department would you like?",
    menu_button="Departments",
    menu_reprompt="Sorry, I did not get that 🙂 Reply with the number or the name: {options}",
    menu_left="All right! Write any time you need us.",
    queued="You are in the *{department}* queue, position {position}.{estimate}\n"
    "Feel free to write: whoever serves you will see it all. To leave the queue, send *exit*.",
    estimate=" Estimated wait: {wait}.",
    still_queued="You are still in the *{department}* queue, position {position}.{estimate}",
    outside_hours="*{department}* is closed right now.{reopens} "
    "Your message stays in the queue and we will answer as soon as we are back.",
    left_queue="You left the queue. Write any time you need us.",
    being_served="*{agent}* will help you now.",
    back_in_queue="The person who was going to help you could not answer right now. "
    "You keep your place in the queue ({position}).",
    transferred="You were transferred to *{department}*.",
    removed="Your request was closed by our team.",
    removed_reason=" Reason: {reason}",
    ended="Conversation ended. Thank you for talking to *{business}*!",
    rating_prompt="How was our service?",
    rating_options=((3, "😀 Great"), (2, "😐 OK"), (1, "😞 Poor")),
    rating_thanks="Thank you for your feedback!",
    unsupported_customer="Sorry, we cannot receive this kind of message. "
    "Could you send it as text, a photo, audio or a document?",
    agent_unreachable="Your last message did not reach the person helping you. Could you send it again, another way (as text, say)?",
    agent_edited="✏️ Correction: {body}",
    agent_revoked="🗑️ {agent} deleted this message: please disregard it.",
    became_agent="This number now belongs to an agent of *{business}*: your conversation as a customer was closed.",
    assignment="🔔 *New customer* · *{first}* #{code} · {department}\n👤 {who} · waited {wait}",
    assignment_transfer="↪️ Transferred from {department} by {agent}",
    assignment_wrote="Already wrote:",
    assignment_continues="⤵️ Continued in {count} more message(s), right below.",
    assignment_part="🔔 *{first}* #{code} · already wrote (continued {part}/{parts})",
    assignment_media_left_out="📎 The first {limit} files follow below; {count} more were not sent again "
    "(they are in the list above). Ask the customer if you need them.",
    assignment_window_template="⏳ The customer has not written for over 24 h: your first message goes with the "
    "reopening template, and what you write follows as soon as they answer.",
    assignment_window_closed="⚠️ The customer has not written for over 24 h: WhatsApp only delivers your answer "
    "after they write again.",
    assignment_active_hint="Everything you write goes to *{first}*. /end closes · /help",
    assignment_background_hint="Swipe-reply to a message from *{first}* or use /switch #{code}.",
    relay_header="💬 *{first}* #{code}",
    reminder="⏳ {parts} · /queue",
    reminder_part="{count} waiting in {department} (oldest: {oldest})",
    offer_missed="⚠️ #{code} · {name}: no answer within {timeout}. The customer is back in the queue "
    "and you are paused. /resume to receive customers again.",
    offer_waiting="⏳ #{code} · {name} has been waiting {wait} for your answer. "
    "Swipe-reply to this message to answer, or /switch #{code}.",
    help="📋 *Commands*\n"
    "/login · /logout — start or finish your shift\n"
    "/pause · /resume — stop or resume receiving customers\n"
    "/queue [department] — who is waiting\n"
    "/next — serve the head of the queue\n"
    "/take N or #CODE — serve someone from the queue\n"
    "/remove N or #CODE [reason] — take someone out of the queue\n"
    "/end — end the active conversation\n"
    "/transfer DEPARTMENT — move the customer to another department\n"
    "/list · /switch #CODE — your conversations · change the active one\n"
    "/history — latest messages of the active conversation\n"
    "Text without / goes to the active customer; swipe-reply to answer another one.",
    checked_in="✅ You are in and available. {queue}",
    already_in="✅ You are already available. {queue}",
    checked_out="✅ You are out. Have a good rest!",
    checkout_refused="⚠️ You still have {count} open conversation(s). End them with /end or transfer first.",
    paused="✅ Paused: no new customers; you keep {count} conversation(s). /resume to come back.",
    resumed="✅ Back: you receive new customers.",
    offline="⚠️ You are offline. Send /login to start.",
    queue_header="📋 *Queue* · {departments}",
    queue_line="{position} {name} #{code} · {department} · {wait}{first}",
    queue_empty="📋 Nobody waiting in {departments}.",
    nobody_waiting="✅ Nobody is waiting right now.",
    at_capacity="⚠️ You already have {count} conversation(s), your limit. End one with /end first.",
    target_missing="⚠️ {target} is not in the queue. /queue shows who is waiting.",
    removed_done="✅ #{code} · {name} removed from the queue. The customer was told.",
    ended_done="✅ #{code} · {name} ended.",
    now_active=" Active now: *{first}* #{code}.",
    transferred_done="✅ #{code} · {name} transferred to {department}.",
    unknown_department="⚠️ Unknown department: {given}. Departments: {known}",
    same_department="⚠️ #{code} · {name} is already in {department}.",
    active_header="📋 *Your conversations*",
    active_line="{marker} #{code} · {name} · {department} · for {since}",
    active_none="📋 You have no open conversations.",
    active_window_template=" · ⏳ window closed: your next message goes with the reopening template",
    active_window_held=" · ⏳ window closed: {count} message(s) waiting for the customer to answer",
    active_window_closed=" · ⚠️ window closed: only after the customer writes",
    switched="✅ Now with *{first}* #{code}: everything you write goes to them.",
    not_yours="⚠️ #{code} is not an open conversation of yours. /list shows yours.",
    history_header="📋 *History* #{code} · {name}",
    history_line="[{time}] {author}: {text}",
    history_empty="📋 #{code} · {name}: no messages yet.",
    no_active="⚠️ No active conversation: your message was not sent. "
    "/next serves the head of the queue · /list shows yours.",
    conversation_gone="⚠️ #{code} · {name} has already ended: your message was not sent.",
    cannot_relay="⚠️ #{code} · {name}: this kind of message cannot be passed on to the customer.",
    unknown_command="⚠️ Unknown command: {word}. /help lists the commands.",
    undelivered_to_customer="⚠️ #{code} · {name}: your message was not delivered ({reason}).",
    undelivered_to_you="⚠️ #{code} · {name}: a message from the customer did not reach you ({reason}). See /history.",
    customer_window_closed="⚠️ #{code} · {name}: the customer has not written for over 24 h, and WhatsApp only "
    "delivers your message after they write again. It was not sent.",
    customer_window_waiting="⏳ #{code} · {name}: the customer has not written for over 24 h, and WhatsApp only "
    "delivers after they answer. We sent them the reopening template; your message and the next ones follow, "
    "in order, as soon as they answer.",
    customer_template_failed="⚠️ #{code} · {name}: WhatsApp refused the reopening template ({reason}). "
    "Your messages wait until the customer writes again.",
    back_from_reopen="✅ Welcome back! Above are the messages that waited for you. "
    "What you just wrote was not sent to any customer: read them, then answer whoever you like.",
    still_arriving="⚠️ Messages that waited for you are still arriving: what you wrote was not sent "
    "to any customer. Read them and write again.",
    number_changed_customer="🔔 #{code} · {name} changed their WhatsApp number: now {phone}. "
    "The conversation goes on as before.",
    number_changed_agent="✅ Your WhatsApp number changed to {phone}, and atende already knows you by it. "
    "Ask whoever runs atende to update atende.toml.",
    became_agent_done="🔔 #{code} · {name}: closed — this number now belongs to an agent of the team.",
    failure_reasons={
        Failure.WINDOW_CLOSED: "the 24 h window has closed",
        Failure.UNREACHABLE: "the number cannot receive WhatsApp messages",
        Failure.CONTENT_REFUSED: "WhatsApp refused the file or the message type",
        Failure.RATE_LIMITED: "too many messages in a row",
    },
    failure_other="WhatsApp error {code}",
    usage={
        "take": "⚠️ Use /take N (position in /queue) or /take #CODE.",
        "remove": "⚠️ Use /remove N or /remove #CODE, and a reason if you like.",
        "transfer": "⚠️ Use /transfer DEPARTMENT. Departments: {known}",
        "switch": "⚠️ Use /switch #CODE. /list shows your conversations.",
        "end": "⚠️ Use /end, or /end #CODE to end another conversation of yours.",
        "report": "⚠️ Use /report (today) or /report N (the last N days, up to 366).",
    },
    reopens=" We are back {when}.",
    opens_today="today at {time}",
    opens_tomorrow="tomorrow at {time}",
    opens_on="on {weekday} at {time}",
    opens_on_date="on {weekday}, {month} {day}, at {time}",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    idle_closed="We closed this conversation after {hours} h without messages. If you still need anything, just write.",
    idle_closed_done="🔔 #{code} · {name}: closed after {hours} h without messages from either side.{customer}{held}",
    idle_customer_told=" The customer was told.",
    idle_customer_later=" The customer has not written for over 24 h: they will see the notice when they write again.",
    idle_held_waiting=" {count} message(s) of yours still wait for the customer to answer the reopening template: "
    "they go, before the notice, if they ever write again.",
    supervisors_only="⚠️ {command} is a supervisor command. Ask whoever runs atende to mark you with supervisor = true.",
    help_supervisor="\n📋 *Supervision*\n"
    "/dashboard — queues and agents now\n"
    "/report [days] — today's figures (or the last N days')\n"
    "/queue — every queue · /remove #CODE · /transfer #CODE DEPARTMENT — anyone who waits",
    status_labels={
        "available": "🟢 available",
        "busy": "🔴 busy",
        "paused": "⏸️ paused",
        "offline": "⚫ offline",
    },
    decimal_point=".",
    dashboard_header="📋 *Dashboard* · {time}",
    dashboard_line="*{department}*: {count} waiting · oldest {oldest}",
    dashboard_line_empty="*{department}*: nobody waiting",
    dashboard_agents="👥 *Agents*",
    dashboard_agent="{name}: {status} · {load}/{capacity}",
    dashboard_no_agents="No agents in atende.toml.",
    more_lines="… and {count} more",
    report_header="📋 *Report* · {period}",
    report_today="today until {time}",
    report_days="last {days} days, since {start}",
    report_department="*{department}*: {offered} offered · {answered} answered · {abandoned} abandoned",
    report_figures="   ASA {asa} · AHT {aht} · SL {level} within {threshold} · rating {rating}",
    report_total="Total",
    report_agents="👥 *Per agent*",
    report_agent="{name}: {count} conversations · AHT {aht} · rating {rating}",
    report_nothing="No customers in this period.",
    moved_done="✅ #{code} · {name} moved to the {department} queue. The customer was told.",
)
