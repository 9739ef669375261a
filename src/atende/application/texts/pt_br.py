"""Brazilian Portuguese, the default locale."""

from __future__ import annotations

from ..failures import Failure
from .catalog import Texts

PT_BR = Texts(
    seconds="{s} s",
    minutes="{m} min",
    hours_minutes="{h} h {m:02d} min",
    media_labels={
        "image": "📷 imagem",
        "audio": "🎤 áudio",
        "video": "🎬 vídeo",
        "document": "📄 documento",
        "sticker": "🏷️ figurinha",
    },
    location_label="📍 localização",
    contacts_label="👤 contato",
    order_label="🛒 pedido com {items} item(ns)",
    unsupported_label="❔ mensagem que o WhatsApp não repassa ({type})",
    edited_label="✏️ editou uma mensagem: {body}",
    revoked_label="🗑️ apagou uma mensagem",
    edited_quoting="✏️ editou “{original}”: {body}",
    revoked_quoting="🗑️ apagou “{original}”",
    reaction_label="reagiu {emoji}",
    system_label="ℹ️ {body}",
    you="Você",
    leave_words=("sair", "cancelar"),
    greeting="Olá! Você está falando com *{business}*.\nCom qual setor você quer falar?",
    greeting_named="Olá, {name}! Você está falando com *{business}*.\nCom qual setor você quer falar?",
    menu_button="Ver setores",
    menu_reprompt="Não entendi 🙂 Responda com o número ou o nome do setor: {options}",
    menu_left="Tudo bem! Quando precisar, é só escrever.",
    queued="Você está na fila de *{department}*, posição {position}.{estimate}\n"
    "Pode escrever à vontade: quem te atender verá tudo. Para sair da fila, envie *sair*.",
    estimate=" Espera estimada: {wait}.",
    still_queued="Você continua na fila de *{department}*, posição {position}.{estimate}",
    outside_hours="Agora estamos fora do horário de atendimento de *{department}*.{reopens} "
    "Sua mensagem fica na fila e responderemos assim que voltarmos.",
    left_queue="Você saiu da fila. Quando precisar, é só escrever.",
    being_served="*{agent}* vai te atender agora.",
    back_in_queue="Quem ia te atender não pôde responder agora. Você continua na fila, na mesma posição ({position}).",
    transferred="Você foi transferido para *{department}*.",
    removed="Seu atendimento foi encerrado pela equipe.",
    removed_reason=" Motivo: {reason}",
    ended="Atendimento encerrado. Obrigado por falar com *{business}*!",
    rating_prompt="Como foi o seu atendimento?",
    rating_options=((3, "😀 Ótimo"), (2, "😐 Regular"), (1, "😞 Ruim")),
    rating_thanks="Obrigado pela avaliação!",
    unsupported_customer="Desculpe, não conseguimos receber esse tipo de mensagem. "
    "Pode mandar em texto, foto, áudio ou documento?",
    agent_unreachable="Sua última mensagem não chegou a quem te atende. Pode enviar de novo, de outro jeito (em texto, por exemplo)?",
    agent_edited="✏️ Correção: {body}",
    agent_revoked="🗑️ {agent} apagou esta mensagem: desconsidere-a.",
    became_agent="Este número agora é de um atendente da *{business}*: seu atendimento como cliente foi encerrado.",
    assignment="🔔 *Novo atendimento* · *{first}* #{code} · {department}\n👤 {who} · esperou {wait}",
    assignment_transfer="↪️ Transferido de {department} por {agent}",
    assignment_wrote="Já escreveu:",
    assignment_continues="⤵️ Continua em mais {count} mensagem(ns), logo abaixo.",
    assignment_part="🔔 *{first}* #{code} · já escreveu (continuação {part}/{parts})",
    assignment_media_left_out="📎 Seguem abaixo os {limit} primeiros arquivos; {count} outro(s) não foram "
    "reenviados (estão na lista acima). Peça ao cliente se precisar deles.",
    assignment_window_template="⏳ O cliente não escreve há mais de 24 h: sua primeira mensagem vai com o modelo "
    "de retomada, e o que você escrever segue assim que ele responder.",
    assignment_window_closed="⚠️ O cliente não escreve há mais de 24 h: o WhatsApp só entrega sua resposta "
    "depois que ele escrever de novo.",
    assignment_active_hint="Tudo que você escrever vai para *{first}*. /fim encerra · /ajuda",
    assignment_background_hint="Responda deslizando uma mensagem de *{first}* ou use /ir #{code}.",
    relay_header="💬 *{first}* #{code}",
    reminder="⏳ {parts} · /fila",
    reminder_part="{count} aguardando em {department} (mais antigo: {oldest})",
    offer_missed="⚠️ #{code} · {name}: sem resposta em {timeout}. O cliente voltou para a fila "
    "e você foi pausado. /volto para receber novos clientes.",
    offer_waiting="⏳ #{code} · {name} espera sua resposta há {wait}. "
    "Deslize esta mensagem para responder, ou /ir #{code}.",
    help="📋 *Comandos*\n"
    "/entrar · /sair — começar ou terminar o expediente\n"
    "/pausa · /volto — parar ou voltar a receber clientes\n"
    "/fila [setor] — quem aguarda\n"
    "/proximo — atender o primeiro da fila\n"
    "/puxar N ou #CÓD — atender alguém da fila\n"
    "/remover N ou #CÓD [motivo] — tirar alguém da fila\n"
    "/fim — encerrar o atendimento ativo\n"
    "/transferir SETOR — passar o cliente para outro setor\n"
    "/ativos · /ir #CÓD — seus atendimentos · trocar o ativo\n"
    "/historico — últimas mensagens do atendimento ativo\n"
    "Texto sem / vai para o cliente ativo; deslize uma mensagem para responder a outro.",
    checked_in="✅ Você entrou e está disponível. {queue}",
    already_in="✅ Você já está disponível. {queue}",
    checked_out="✅ Você saiu. Bom descanso!",
    checkout_refused="⚠️ Você ainda tem {count} atendimento(s) aberto(s). Encerre com /fim ou transfira antes de sair.",
    paused="✅ Pausado: você não recebe novos clientes e continua com {count} atendimento(s). /volto para voltar.",
    resumed="✅ De volta: você recebe novos clientes.",
    offline="⚠️ Você está offline. Envie /entrar para começar.",
    queue_header="📋 *Fila* · {departments}",
    queue_line="{position} {name} #{code} · {department} · {wait}{first}",
    queue_empty="📋 Ninguém aguardando em {departments}.",
    nobody_waiting="✅ Ninguém aguardando agora.",
    at_capacity="⚠️ Você já está com {count} atendimento(s), o seu limite. Encerre um com /fim antes.",
    target_missing="⚠️ Não encontrei {target} na fila. /fila mostra quem aguarda.",
    removed_done="✅ #{code} · {name} removido da fila. O cliente foi avisado.",
    ended_done="✅ #{code} · {name} encerrado.",
    now_active=" Ativo agora: *{first}* #{code}.",
    transferred_done="✅ #{code} · {name} transferido para {department}.",
    unknown_department="⚠️ Setor desconhecido: {given}. Setores: {known}",
    same_department="⚠️ #{code} · {name} já está em {department}.",
    active_header="📋 *Seus atendimentos*",
    active_line="{marker} #{code} · {name} · {department} · há {since}",
    active_none="📋 Você não tem atendimentos abertos.",
    active_window_template=" · ⏳ janela fechada: sua próxima mensagem vai com o modelo de retomada",
    active_window_held=" · ⏳ janela fechada: {count} mensagem(ns) esperando o cliente responder",
    active_window_closed=" · ⚠️ janela fechada: só depois que o cliente escrever",
    switched="✅ Agora com *{first}* #{code}: tudo que você escrever vai para ele(a).",
    not_yours="⚠️ #{code} não é um atendimento aberto seu. /ativos lista os seus.",
    history_header="📋 *Histórico* #{code} · {name}",
    history_line="[{time}] {author}: {text}",
    history_empty="📋 #{code} · {name}: nenhuma mensagem ainda.",
    no_active="⚠️ Nenhum atendimento ativo: sua mensagem não foi enviada. "
    "/proximo atende o próximo da fila · /ativos lista os seus.",
    conversation_gone="⚠️ #{code} · {name} já foi encerrado: sua mensagem não foi enviada.",
    cannot_relay="⚠️ #{code} · {name}: esse tipo de mensagem não pode ser repassado ao cliente.",
    unknown_command="⚠️ Comando desconhecido: {word}. /ajuda lista os comandos.",
    undelivered_to_customer="⚠️ #{code} · {name}: sua mensagem não foi entregue ({reason}).",
    undelivered_to_you="⚠️ #{code} · {name}: uma mensagem do cliente não chegou até você ({reason}). Veja /historico.",
    customer_window_closed="⚠️ #{code} · {name}: o cliente não escreve há mais de 24 h e o WhatsApp só entrega "
    "sua mensagem depois que ele escrever de novo. Ela não foi enviada.",
    customer_window_waiting="⏳ #{code} · {name}: o cliente não escreve há mais de 24 h, e o WhatsApp só entrega "
    "depois que ele responder. Enviamos o modelo de retomada; sua mensagem e as próximas seguem, em ordem, "
    "assim que ele responder.",
    customer_template_failed="⚠️ #{code} · {name}: o WhatsApp recusou o modelo de retomada ({reason}). "
    "Suas mensagens esperam até o cliente escrever de novo.",
    back_from_reopen="✅ Bem-vindo(a) de volta! Acima estão as mensagens que esperavam por você. "
    "O que você acabou de escrever não foi enviado a nenhum cliente: leia e responda a quem quiser.",
    still_arriving="⚠️ Ainda estão chegando mensagens que esperavam por você: o que você escreveu não foi enviado "
    "a nenhum cliente. Leia-as e escreva de novo.",
    number_changed_customer="🔔 #{code} · {name} mudou de número no WhatsApp: agora {phone}. "
    "A conversa continua normalmente.",
    number_changed_agent="✅ Seu número no WhatsApp mudou para {phone}, e o atende já te reconhece por ele. "
    "Peça a quem administra o atende para atualizar o atende.toml.",
    became_agent_done="🔔 #{code} · {name}: encerrado — este número agora é de um atendente da equipe.",
    failure_reasons={
        Failure.WINDOW_CLOSED: "a janela de 24 h fechou",
        Failure.UNREACHABLE: "o número não pode receber mensagens no WhatsApp",
        Failure.CONTENT_REFUSED: "o WhatsApp recusou o arquivo ou o tipo de mensagem",
        Failure.RATE_LIMITED: "muitas mensagens seguidas",
    },
    failure_other="erro {code} do WhatsApp",
    usage={
        "take": "⚠️ Use /puxar N (posição na /fila) ou /puxar #CÓD.",
        "remove": "⚠️ Use /remover N ou /remover #CÓD, e um motivo se quiser.",
        "transfer": "⚠️ Use /transferir SETOR. Setores: {known}",
        "switch": "⚠️ Use /ir #CÓD. /ativos lista os seus atendimentos.",
        "end": "⚠️ Use /fim, ou /fim #CÓD para encerrar outro atendimento seu.",
        "report": "⚠️ Use /relatorio (hoje) ou /relatorio N (os últimos N dias, até 366).",
    },
    reopens=" Voltamos {when}.",
    opens_today="hoje às {time}",
    opens_tomorrow="amanhã às {time}",
    opens_on="{weekday} às {time}",
    opens_on_date="{weekday}, {day} de {month}, às {time}",
    weekdays=("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
    months=(
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    idle_closed="Encerramos este atendimento depois de {hours} h sem mensagens. Se ainda precisar de algo, "
    "é só escrever.",
    idle_closed_done="🔔 #{code} · {name}: encerrado depois de {hours} h sem mensagens de nenhum dos lados."
    "{customer}{held}",
    idle_customer_told=" O cliente foi avisado.",
    idle_customer_later=" O cliente não escreve há mais de 24 h: verá o aviso quando escrever de novo.",
    idle_held_waiting=" {count} mensagem(ns) sua(s) ainda esperam o cliente responder ao modelo de retomada: "
    "seguem, antes do aviso, se ele voltar a escrever.",
    supervisors_only="⚠️ {command} é um comando de supervisão. Peça a quem administra o atende para "
    "marcar você com supervisor = true.",
    help_supervisor="\n📋 *Supervisão*\n"
    "/painel — filas e atendentes agora\n"
    "/relatorio [dias] — números de hoje (ou dos últimos N dias)\n"
    "/fila — todas as filas · /remover #CÓD · /transferir #CÓD SETOR — qualquer cliente que aguarda",
    status_labels={
        "available": "🟢 disponível",
        "busy": "🔴 ocupado(a)",
        "paused": "⏸️ em pausa",
        "offline": "⚫ fora",
    },
    decimal_point=",",
    dashboard_header="📋 *Painel* · {time}",
    dashboard_line="*{department}*: {count} aguardando · mais antigo {oldest}",
    dashboard_line_empty="*{department}*: ninguém aguardando",
    dashboard_agents="👥 *Atendentes*",
    dashboard_agent="{name}: {status} · {load}/{capacity}",
    dashboard_no_agents="Nenhum atendente no atende.toml.",
    more_lines="… e mais {count}",
    report_header="📋 *Relatório* · {period}",
    report_today="hoje até {time}",
    report_days="últimos {days} dias, desde {start}",
    report_department="*{department}*: {offered} recebidos · {answered} atendidos · {abandoned} desistências",
    report_figures="   TME {asa} · TMA {aht} · NS {level} em {threshold} · nota {rating}",
    report_total="Total",
    report_agents="👥 *Por atendente*",
    report_agent="{name}: {count} atendimentos · TMA {aht} · nota {rating}",
    report_nothing="Nenhum cliente nesse período.",
    moved_done="✅ #{code} · {name} passou para a fila de {department}. O cliente foi avisado.",
)
