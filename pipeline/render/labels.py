"""The interface words of the site and the PDF in each supported language, with English as the fallback."""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from markupsafe import Markup

# Keys ending in _one / _other are the two plural forms of one text ({count} is the number). Placeholders are
# named, and every language uses the same ones as English (tests/test_labels.py checks both).
ENGLISH: Final[Mapping[str, str]] = {
    # the frame of every site page
    "skip_to_content": "Skip to main content",
    "site_search": "Site",
    "search_the_handbook": "Search the handbook",
    "search_placeholder": "Search",
    "search": "Search",
    "search_button": "Search",
    "dark_theme": "Dark theme",
    "version": "Version",
    "version_number": "Version {version}",
    "handbook": "Handbook",
    "breadcrumb": "Breadcrumb",
    # the index page
    "author": "Author",
    "authors": "Authors",
    "published": "Published",
    "reading_time": "Reading time",
    "pages_one": "{count} page",
    "pages_other": "{count} pages",
    "minutes_one": "{count} minute",
    "minutes_other": "{count} minutes",
    "pages_about_minutes": "{pages}, about {minutes}",
    "start_reading": "Start reading",
    "contents": "Contents",
    "sections_of": "Sections of {title}",
    "references_summary": "The sources the handbook cites.",
    # a handbook page
    "page_of": "Page {position} of {total}",
    "handbook_page": "Handbook page",
    "status_draft": "draft",
    "status_review": "review",
    "about_minutes_one": "About {count} minute",
    "about_minutes_other": "About {count} minutes",
    "self_assessments_one": "{count} self-assessment",
    "self_assessments_other": "{count} self-assessments",
    "takeaways": "What you will take away",
    "on_this_page": "On this page",
    "pager": "Previous and next page",
    "previous": "Previous",
    "next": "Next",
    # the references page
    "references": "References",
    "sources_cited_in": "The sources cited in {title}.",
    "cited_in": "Cited in {pages}",
    "cited_in_more_one": "Cited in {pages} and {count} more page",
    "cited_in_more_other": "Cited in {pages} and {count} more pages",
    # the search page
    "search_words": 'Words or a "quoted phrase"',
    "search_needs_js": "Search needs JavaScript. Without it, use the {contents}.",
    "search_needs_js_link": "contents",
    # site.js
    "table_scrolls": "Table (scrolls sideways)",
    # assessment.js
    "assessment_hint": "In each row, choose the cell that describes you best. Your answers stay in this browser.",
    "assessment_choose": "Choose {level}",
    "assessment_reset": "Reset answers",
    "assessment_progress": "{answered} of {total} answered. Answer every row to see your level.",
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Your level: {level}, the median of your {count} answer.",
    "assessment_result_other": "Your level: {level}, the median of your {count} answers.",
    # search.js
    "search_prompt_one": 'Type words or a "quoted phrase" to search {count} section.',
    "search_prompt_other": 'Type words or a "quoted phrase" to search {count} sections.',
    "search_loading": "Loading the search index…",
    "search_failed": "The search index could not be loaded.",
    "search_none": "No section contains {terms}.",
    "search_term": "“{term}”",
    "search_and": "and",
    "search_hits_one": "{count} matching section.",
    "search_hits_other": "{count} matching sections.",
    "search_hits_capped": "{count} matching sections, the first {shown} shown.",
    # page bodies: for markup.py, which does not read labels yet (its headings' anchors and framework links)
    "section_link": "Link to this section",
    "framework_link": "{title}: part of the wider framework",
    "framework_link_missing": "{title}: part of the wider framework (not included in this handbook)",
    # the PDF
    "cover": "Cover",
    "cover_date": "Date",
    "licence": "Licence",
    # dates as words: "24 November 2026"
    "date": "{day} {month} {year}",
    "date_first_day": "{day} {month} {year}",
    "month_1": "January",
    "month_2": "February",
    "month_3": "March",
    "month_4": "April",
    "month_5": "May",
    "month_6": "June",
    "month_7": "July",
    "month_8": "August",
    "month_9": "September",
    "month_10": "October",
    "month_11": "November",
    "month_12": "December",
}

GERMAN: Final[Mapping[str, str]] = {
    "skip_to_content": "Zum Hauptinhalt springen",
    "site_search": "Website",
    "search_the_handbook": "Handbuch durchsuchen",
    "search_placeholder": "Suchen",
    "search": "Suche",
    "search_button": "Suchen",
    "dark_theme": "Dunkles Design",
    "version": "Version",
    "version_number": "Version {version}",
    "handbook": "Handbuch",
    "breadcrumb": "Navigationspfad",
    "author": "Autor",
    "authors": "Autoren",
    "published": "Veröffentlicht",
    "reading_time": "Lesezeit",
    "pages_one": "{count} Seite",
    "pages_other": "{count} Seiten",
    "minutes_one": "{count} Minute",
    "minutes_other": "{count} Minuten",
    "pages_about_minutes": "{pages}, etwa {minutes}",
    "start_reading": "Lesen beginnen",
    "contents": "Inhalt",
    "sections_of": "Abschnitte von {title}",
    "references_summary": "Die Quellen, die das Handbuch zitiert.",
    "page_of": "Seite {position} von {total}",
    "handbook_page": "Handbuchseite",
    "status_draft": "Entwurf",
    "status_review": "in Prüfung",
    "about_minutes_one": "Etwa {count} Minute",
    "about_minutes_other": "Etwa {count} Minuten",
    "self_assessments_one": "{count} Selbsteinschätzung",
    "self_assessments_other": "{count} Selbsteinschätzungen",
    "takeaways": "Das nehmen Sie mit",
    "on_this_page": "Auf dieser Seite",
    "pager": "Vorherige und nächste Seite",
    "previous": "Zurück",
    "next": "Weiter",
    "references": "Literatur",
    "sources_cited_in": "Die in {title} zitierten Quellen.",
    "cited_in": "Zitiert in {pages}",
    "cited_in_more_one": "Zitiert in {pages} und {count} weiteren Seite",
    "cited_in_more_other": "Zitiert in {pages} und {count} weiteren Seiten",
    "search_words": 'Wörter oder eine "Wortfolge in Anführungszeichen"',
    "search_needs_js": "Die Suche benötigt JavaScript. Ohne JavaScript nutzen Sie das {contents}.",
    "search_needs_js_link": "Inhaltsverzeichnis",
    "table_scrolls": "Tabelle (seitlich scrollbar)",
    "assessment_hint": (
        "Wählen Sie in jeder Zeile die Zelle, die Sie am besten beschreibt. Ihre Antworten bleiben in diesem Browser."
    ),
    "assessment_choose": "{level} wählen",
    "assessment_reset": "Antworten zurücksetzen",
    "assessment_progress": "{answered} von {total} beantwortet. Beantworten Sie jede Zeile, um Ihre Stufe zu sehen.",
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Ihre Stufe: {level}, der Median aus {count} Antwort.",
    "assessment_result_other": "Ihre Stufe: {level}, der Median aus Ihren {count} Antworten.",
    "search_prompt_one": (
        'Geben Sie Wörter oder eine "Wortfolge in Anführungszeichen" ein, um {count} Abschnitt zu durchsuchen.'
    ),
    "search_prompt_other": (
        'Geben Sie Wörter oder eine "Wortfolge in Anführungszeichen" ein, um {count} Abschnitte zu durchsuchen.'
    ),
    "search_loading": "Suchindex wird geladen …",
    "search_failed": "Der Suchindex konnte nicht geladen werden.",
    "search_none": "Kein Abschnitt enthält {terms}.",
    "search_term": "„{term}“",
    "search_and": "und",
    "search_hits_one": "{count} passender Abschnitt.",
    "search_hits_other": "{count} passende Abschnitte.",
    "search_hits_capped": "{count} passende Abschnitte, die ersten {shown} werden angezeigt.",
    "section_link": "Link zu diesem Abschnitt",
    "framework_link": "{title}: Teil des übergeordneten Frameworks",
    "framework_link_missing": "{title}: Teil des übergeordneten Frameworks (nicht in diesem Handbuch enthalten)",
    "cover": "Titelseite",
    "cover_date": "Datum",
    "licence": "Lizenz",
    "date": "{day}. {month} {year}",
    "date_first_day": "{day}. {month} {year}",
    "month_1": "Januar",
    "month_2": "Februar",
    "month_3": "März",
    "month_4": "April",
    "month_5": "Mai",
    "month_6": "Juni",
    "month_7": "Juli",
    "month_8": "August",
    "month_9": "September",
    "month_10": "Oktober",
    "month_11": "November",
    "month_12": "Dezember",
}

FRENCH: Final[Mapping[str, str]] = {
    "skip_to_content": "Aller au contenu principal",
    "site_search": "Site",
    "search_the_handbook": "Rechercher dans le manuel",
    "search_placeholder": "Rechercher",
    "search": "Recherche",
    "search_button": "Rechercher",
    "dark_theme": "Thème sombre",
    "version": "Version",
    "version_number": "Version {version}",
    "handbook": "Manuel",
    "breadcrumb": "Fil d’Ariane",
    "author": "Auteur",
    "authors": "Auteurs",
    "published": "Publié le",
    "reading_time": "Temps de lecture",
    "pages_one": "{count} page",
    "pages_other": "{count} pages",
    "minutes_one": "{count} minute",
    "minutes_other": "{count} minutes",
    "pages_about_minutes": "{pages}, environ {minutes}",
    "start_reading": "Commencer la lecture",
    "contents": "Sommaire",
    "sections_of": "Sections de {title}",
    "references_summary": "Les sources citées dans le manuel.",
    "page_of": "Page {position} sur {total}",
    "handbook_page": "Page du manuel",
    "status_draft": "brouillon",
    "status_review": "en relecture",
    "about_minutes_one": "Environ {count} minute",
    "about_minutes_other": "Environ {count} minutes",
    "self_assessments_one": "{count} auto-évaluation",
    "self_assessments_other": "{count} auto-évaluations",
    "takeaways": "Ce que vous allez retenir",
    "on_this_page": "Sur cette page",
    "pager": "Page précédente et page suivante",
    "previous": "Précédent",
    "next": "Suivant",
    "references": "Références",
    "sources_cited_in": "Les sources citées dans {title}.",
    "cited_in": "Cité dans {pages}",
    "cited_in_more_one": "Cité dans {pages} et {count} autre page",
    "cited_in_more_other": "Cité dans {pages} et {count} autres pages",
    "search_words": 'Des mots ou une "expression entre guillemets"',
    "search_needs_js": "La recherche nécessite JavaScript. Sans JavaScript, utilisez le {contents}.",
    "search_needs_js_link": "sommaire",
    "table_scrolls": "Tableau (défilement horizontal)",
    "assessment_hint": (
        "Dans chaque ligne, choisissez la cellule qui vous décrit le mieux. Vos réponses restent dans ce navigateur."
    ),
    "assessment_choose": "Choisir {level}",
    "assessment_reset": "Effacer les réponses",
    "assessment_progress": (
        "Réponses\u00a0: {answered} sur {total}. Répondez à chaque ligne pour connaître votre niveau."
    ),
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Votre niveau\u00a0: {level}, médiane de {count} réponse.",
    "assessment_result_other": "Votre niveau\u00a0: {level}, médiane de vos {count} réponses.",
    "search_prompt_one": (
        'Saisissez des mots ou une "expression entre guillemets" pour rechercher dans {count} section.'
    ),
    "search_prompt_other": (
        'Saisissez des mots ou une "expression entre guillemets" pour rechercher dans {count} sections.'
    ),
    "search_loading": "Chargement de l’index de recherche…",
    "search_failed": "L’index de recherche n’a pas pu être chargé.",
    "search_none": "Aucune section ne contient {terms}.",
    "search_term": "«\u00a0{term}\u00a0»",
    "search_and": "et",
    "search_hits_one": "{count} section correspondante.",
    "search_hits_other": "{count} sections correspondantes.",
    "search_hits_capped": "{count} sections correspondantes, les {shown} premières sont affichées.",
    "section_link": "Lien vers cette section",
    "framework_link": "{title}\u00a0: fait partie du cadre plus large",
    "framework_link_missing": "{title}\u00a0: fait partie du cadre plus large (non inclus dans ce manuel)",
    "cover": "Couverture",
    "cover_date": "Date",
    "licence": "Licence",
    "date": "{day} {month} {year}",
    "date_first_day": "{day}er {month} {year}",
    "month_1": "janvier",
    "month_2": "février",
    "month_3": "mars",
    "month_4": "avril",
    "month_5": "mai",
    "month_6": "juin",
    "month_7": "juillet",
    "month_8": "août",
    "month_9": "septembre",
    "month_10": "octobre",
    "month_11": "novembre",
    "month_12": "décembre",
}

SPANISH: Final[Mapping[str, str]] = {
    "skip_to_content": "Ir al contenido principal",
    "site_search": "Sitio",
    "search_the_handbook": "Buscar en el manual",
    "search_placeholder": "Buscar",
    "search": "Búsqueda",
    "search_button": "Buscar",
    "dark_theme": "Tema oscuro",
    "version": "Versión",
    "version_number": "Versión {version}",
    "handbook": "Manual",
    "breadcrumb": "Ruta de navegación",
    "author": "Autor",
    "authors": "Autores",
    "published": "Publicado",
    "reading_time": "Tiempo de lectura",
    "pages_one": "{count} página",
    "pages_other": "{count} páginas",
    "minutes_one": "{count} minuto",
    "minutes_other": "{count} minutos",
    "pages_about_minutes": "{pages}, aprox. {minutes}",
    "start_reading": "Empezar a leer",
    "contents": "Índice",
    "sections_of": "Secciones de {title}",
    "references_summary": "Las fuentes que cita el manual.",
    "page_of": "Página {position} de {total}",
    "handbook_page": "Página del manual",
    "status_draft": "borrador",
    "status_review": "en revisión",
    "about_minutes_one": "Alrededor de {count} minuto",
    "about_minutes_other": "Unos {count} minutos",
    "self_assessments_one": "{count} autoevaluación",
    "self_assessments_other": "{count} autoevaluaciones",
    "takeaways": "Lo que te llevarás",
    "on_this_page": "En esta página",
    "pager": "Página anterior y siguiente",
    "previous": "Anterior",
    "next": "Siguiente",
    "references": "Referencias",
    "sources_cited_in": "Las fuentes citadas en {title}.",
    "cited_in": "Citada en {pages}",
    "cited_in_more_one": "Citada en {pages} y {count} página más",
    "cited_in_more_other": "Citada en {pages} y {count} páginas más",
    "search_words": 'Palabras o una "frase entre comillas"',
    "search_needs_js": "La búsqueda necesita JavaScript. Sin JavaScript, usa el {contents}.",
    "search_needs_js_link": "índice",
    "table_scrolls": "Tabla (se desplaza en horizontal)",
    "assessment_hint": (
        "En cada fila, elige la celda que mejor te describe. Tus respuestas se guardan en este navegador."
    ),
    "assessment_choose": "Elegir {level}",
    "assessment_reset": "Borrar respuestas",
    "assessment_progress": "{answered} de {total} respondidas. Responde todas las filas para ver tu nivel.",
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Tu nivel: {level}, la mediana de {count} respuesta.",
    "assessment_result_other": "Tu nivel: {level}, la mediana de tus {count} respuestas.",
    "search_prompt_one": 'Escribe palabras o una "frase entre comillas" para buscar en {count} sección.',
    "search_prompt_other": 'Escribe palabras o una "frase entre comillas" para buscar en {count} secciones.',
    "search_loading": "Cargando el índice de búsqueda…",
    "search_failed": "No se pudo cargar el índice de búsqueda.",
    "search_none": "Ninguna sección contiene {terms}.",
    "search_term": "«{term}»",
    "search_and": "y",
    "search_hits_one": "{count} sección coincidente.",
    "search_hits_other": "{count} secciones coincidentes.",
    "search_hits_capped": "{count} secciones coincidentes; se muestran las {shown} primeras.",
    "section_link": "Enlace a esta sección",
    "framework_link": "{title}: parte del marco general",
    "framework_link_missing": "{title}: parte del marco general (no incluida en este manual)",
    "cover": "Portada",
    "cover_date": "Fecha",
    "licence": "Licencia",
    "date": "{day} de {month} de {year}",
    "date_first_day": "{day} de {month} de {year}",
    "month_1": "enero",
    "month_2": "febrero",
    "month_3": "marzo",
    "month_4": "abril",
    "month_5": "mayo",
    "month_6": "junio",
    "month_7": "julio",
    "month_8": "agosto",
    "month_9": "septiembre",
    "month_10": "octubre",
    "month_11": "noviembre",
    "month_12": "diciembre",
}

DUTCH: Final[Mapping[str, str]] = {
    "skip_to_content": "Naar de hoofdinhoud",
    "site_search": "Website",
    "search_the_handbook": "Doorzoek het handboek",
    "search_placeholder": "Zoeken",
    "search": "Zoeken",
    "search_button": "Zoeken",
    "dark_theme": "Donker thema",
    "version": "Versie",
    "version_number": "Versie {version}",
    "handbook": "Handboek",
    "breadcrumb": "Kruimelpad",
    "author": "Auteur",
    "authors": "Auteurs",
    "published": "Gepubliceerd",
    "reading_time": "Leestijd",
    "pages_one": "{count} pagina",
    "pages_other": "{count} pagina’s",
    "minutes_one": "{count} minuut",
    "minutes_other": "{count} minuten",
    "pages_about_minutes": "{pages}, ongeveer {minutes}",
    "start_reading": "Begin met lezen",
    "contents": "Inhoud",
    "sections_of": "Secties van {title}",
    "references_summary": "De bronnen die het handboek aanhaalt.",
    "page_of": "Pagina {position} van {total}",
    "handbook_page": "Handboekpagina",
    "status_draft": "concept",
    "status_review": "ter beoordeling",
    "about_minutes_one": "Ongeveer {count} minuut",
    "about_minutes_other": "Ongeveer {count} minuten",
    "self_assessments_one": "{count} zelfevaluatie",
    "self_assessments_other": "{count} zelfevaluaties",
    "takeaways": "Wat je meeneemt",
    "on_this_page": "Op deze pagina",
    "pager": "Vorige en volgende pagina",
    "previous": "Vorige",
    "next": "Volgende",
    "references": "Referenties",
    "sources_cited_in": "De bronnen die in {title} worden aangehaald.",
    "cited_in": "Aangehaald in {pages}",
    "cited_in_more_one": "Aangehaald in {pages} en {count} andere pagina",
    "cited_in_more_other": "Aangehaald in {pages} en {count} andere pagina’s",
    "search_words": 'Woorden of een "zin tussen aanhalingstekens"',
    "search_needs_js": "Zoeken werkt alleen met JavaScript. Gebruik zonder JavaScript de {contents}.",
    "search_needs_js_link": "inhoudsopgave",
    "table_scrolls": "Tabel (horizontaal scrollen)",
    "assessment_hint": (
        "Kies in elke rij de cel die het best bij je past. Je antwoorden blijven in deze browser bewaard."
    ),
    "assessment_choose": "{level} kiezen",
    "assessment_reset": "Antwoorden wissen",
    "assessment_progress": "{answered} van {total} beantwoord. Beantwoord elke rij om je niveau te zien.",
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Jouw niveau: {level}, de mediaan van {count} antwoord.",
    "assessment_result_other": "Jouw niveau: {level}, de mediaan van je {count} antwoorden.",
    "search_prompt_one": 'Typ woorden of een "zin tussen aanhalingstekens" om {count} sectie te doorzoeken.',
    "search_prompt_other": 'Typ woorden of een "zin tussen aanhalingstekens" om {count} secties te doorzoeken.',
    "search_loading": "Zoekindex laden…",
    "search_failed": "De zoekindex kon niet worden geladen.",
    "search_none": "Geen enkele sectie bevat {terms}.",
    "search_term": "‘{term}’",
    "search_and": "en",
    "search_hits_one": "{count} overeenkomende sectie.",
    "search_hits_other": "{count} overeenkomende secties.",
    "search_hits_capped": "{count} overeenkomende secties, de eerste {shown} worden getoond.",
    "section_link": "Link naar deze sectie",
    "framework_link": "{title}: onderdeel van het bredere framework",
    "framework_link_missing": "{title}: onderdeel van het bredere framework (niet opgenomen in dit handboek)",
    "cover": "Omslag",
    "cover_date": "Datum",
    "licence": "Licentie",
    "date": "{day} {month} {year}",
    "date_first_day": "{day} {month} {year}",
    "month_1": "januari",
    "month_2": "februari",
    "month_3": "maart",
    "month_4": "april",
    "month_5": "mei",
    "month_6": "juni",
    "month_7": "juli",
    "month_8": "augustus",
    "month_9": "september",
    "month_10": "oktober",
    "month_11": "november",
    "month_12": "december",
}

PORTUGUESE: Final[Mapping[str, str]] = {
    "skip_to_content": "Ir para o conteúdo principal",
    "site_search": "Site",
    "search_the_handbook": "Pesquisar no manual",
    "search_placeholder": "Pesquisar",
    "search": "Pesquisa",
    "search_button": "Pesquisar",
    "dark_theme": "Tema escuro",
    "version": "Versão",
    "version_number": "Versão {version}",
    "handbook": "Manual",
    "breadcrumb": "Trilha de navegação",
    "author": "Autor",
    "authors": "Autores",
    "published": "Publicado em",
    "reading_time": "Tempo de leitura",
    "pages_one": "{count} página",
    "pages_other": "{count} páginas",
    "minutes_one": "{count} minuto",
    "minutes_other": "{count} minutos",
    "pages_about_minutes": "{pages}, cerca de {minutes}",
    "start_reading": "Começar a ler",
    "contents": "Índice",
    "sections_of": "Seções de {title}",
    "references_summary": "As fontes citadas no manual.",
    "page_of": "Página {position} de {total}",
    "handbook_page": "Página do manual",
    "status_draft": "rascunho",
    "status_review": "em revisão",
    "about_minutes_one": "Cerca de {count} minuto",
    "about_minutes_other": "Cerca de {count} minutos",
    "self_assessments_one": "{count} autoavaliação",
    "self_assessments_other": "{count} autoavaliações",
    "takeaways": "O que você vai aprender",
    "on_this_page": "Nesta página",
    "pager": "Página anterior e próxima",
    "previous": "Anterior",
    "next": "Próxima",
    "references": "Referências",
    "sources_cited_in": "As fontes citadas em {title}.",
    "cited_in": "Citada em {pages}",
    "cited_in_more_one": "Citada em {pages} e em mais {count} página",
    "cited_in_more_other": "Citada em {pages} e em mais {count} páginas",
    "search_words": 'Palavras ou uma "frase entre aspas"',
    "search_needs_js": "A pesquisa precisa de JavaScript. Sem JavaScript, use o {contents}.",
    "search_needs_js_link": "índice",
    "table_scrolls": "Tabela (rolagem horizontal)",
    "assessment_hint": (
        "Em cada linha, escolha a célula que melhor descreve você. Suas respostas ficam salvas neste navegador."
    ),
    "assessment_choose": "Escolher {level}",
    "assessment_reset": "Limpar respostas",
    "assessment_progress": "{answered} de {total} respondidas. Responda a todas as linhas para ver seu nível.",
    "assessment_level_named": "{level} ({name})",
    "assessment_result_one": "Seu nível: {level}, a mediana de {count} resposta.",
    "assessment_result_other": "Seu nível: {level}, a mediana das suas {count} respostas.",
    "search_prompt_one": 'Digite palavras ou uma "frase entre aspas" para pesquisar em {count} seção.',
    "search_prompt_other": 'Digite palavras ou uma "frase entre aspas" para pesquisar em {count} seções.',
    "search_loading": "Carregando o índice de pesquisa…",
    "search_failed": "Não foi possível carregar o índice de pesquisa.",
    "search_none": "Nenhuma seção contém {terms}.",
    "search_term": "“{term}”",
    "search_and": "e",
    "search_hits_one": "{count} seção correspondente.",
    "search_hits_other": "{count} seções correspondentes.",
    "search_hits_capped": "{count} seções correspondentes; exibindo as {shown} primeiras.",
    "section_link": "Link para esta seção",
    "framework_link": "{title}: parte do framework mais amplo",
    "framework_link_missing": "{title}: parte do framework mais amplo (não incluída neste manual)",
    "cover": "Capa",
    "cover_date": "Data",
    "licence": "Licença",
    "date": "{day} de {month} de {year}",
    "date_first_day": "{day} de {month} de {year}",
    "month_1": "janeiro",
    "month_2": "fevereiro",
    "month_3": "março",
    "month_4": "abril",
    "month_5": "maio",
    "month_6": "junho",
    "month_7": "julho",
    "month_8": "agosto",
    "month_9": "setembro",
    "month_10": "outubro",
    "month_11": "novembro",
    "month_12": "dezembro",
}

DEFAULT: Final = "en"
TABLES: Final[Mapping[str, Mapping[str, str]]] = {
    "en": ENGLISH,
    "de": GERMAN,
    "fr": FRENCH,
    "es": SPANISH,
    "nl": DUTCH,
    "pt": PORTUGUESE,
}
# CLDR: in French and (Brazilian) Portuguese 0 takes the singular ("0 page"); elsewhere only 1 does.
ZERO_IS_ONE: Final = frozenset({"fr", "pt"})
# What the site's scripts show; written into _static/site.js as window.HANDBOOK_LABELS.
SCRIPT_KEYS: Final = (
    "table_scrolls",
    "assessment_hint",
    "assessment_choose",
    "assessment_reset",
    "assessment_progress",
    "assessment_level_named",
    "assessment_result_one",
    "assessment_result_other",
    "search_prompt_one",
    "search_prompt_other",
    "search_loading",
    "search_failed",
    "search_none",
    "search_term",
    "search_and",
    "search_hits_one",
    "search_hits_other",
    "search_hits_capped",
)


def primary(language: str) -> str:
    """The primary language subtag of a BCP 47 tag, lower case: ``de-CH`` → ``de``."""
    return language.strip().replace("_", "-").split("-", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class Labels:
    """The interface words for one handbook language; in templates ``labels.contents``, ``labels.text(...)``."""

    language: str  # the table used: the primary subtag when there is one for it, else "en"
    known: bool  # False when the handbook's language has no table and these are the English words
    strings: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.strings[key]

    def text(self, key: str, /, **values: object) -> str:
        """The label with its named placeholders filled in."""
        return self.strings[key].format_map(values)

    def count(self, key: str, count: int, /, **values: object) -> str:
        """The singular (``key_one``) or plural (``key_other``) label for ``count``, which fills ``{count}``."""
        return self.text(f"{key}_{self.plural(count)}", count=count, **values)

    def plural(self, count: int) -> str:
        return "one" if count == 1 or (count == 0 and self.language in ZERO_IS_ONE) else "other"

    def html(self, key: str, /, **values: object) -> Markup:
        """The label as HTML text content: its quotes kept as typed, values escaped unless they are Markup."""
        return Markup(html.escape(self.strings[key], quote=False)).format(**values)

    def count_html(self, key: str, count: int, /, **values: object) -> Markup:
        """``count`` for HTML text content, as ``html`` fills labels in."""
        return self.html(f"{key}_{self.plural(count)}", count=count, **values)

    def date_words(self, iso: str) -> str:
        """An ISO date in words ("24 November 2026"); as given when it is not a date or the language has no table."""
        try:
            day = dt.date.fromisoformat(iso)
        except ValueError:
            return iso
        if not self.known:
            return iso
        key = "date_first_day" if day.day == 1 else "date"
        return self.text(key, day=day.day, month=self.strings[f"month_{day.month}"], year=day.year)

    def script_data(self) -> dict[str, object]:
        """What the site's scripts read from ``window.HANDBOOK_LABELS``."""
        return {
            "language": self.language,
            "zeroIsOne": self.language in ZERO_IS_ONE,
            "strings": {key: self.strings[key] for key in SCRIPT_KEYS},
        }


@functools.cache
def labels(language: str) -> Labels:
    """The labels for a BCP 47 tag, chosen by its primary subtag; English for an unknown language or key."""
    code = primary(language)
    table = TABLES.get(code)
    strings = {**ENGLISH, **(table or {})}
    return Labels(code if table is not None else DEFAULT, table is not None, MappingProxyType(strings))
