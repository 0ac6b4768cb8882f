"""How a task is stated in French, German, Spanish, Italian, Portuguese and Dutch.

Faithful translations of the English cues in lexicon.py (INSTRUCTION_VERBS, TASK_LEADS,
TASK_OPENERS, TASK_HEADINGS): the same concepts, no more and no fewer, in the forms a translator
writes an instruction in: French tu/vous imperatives and infinitives ("Rédige", "Rédigez",
"Rédiger"), German du imperatives and infinitives (the Sie form, and an instruction ending on its
infinitive), Spanish tú/usted imperatives and infinitives, Italian tu/Lei/voi imperatives and
infinitives, Portuguese você/tu imperatives and infinitives, Dutch imperatives and infinitives.
"""

from __future__ import annotations

import re

from .lexicon import word_list
from .task import TaskCues

_VERBS: dict[str, str] = {
    "fr": """
    écris écrivez écrire rédige rédigez rédiger crée créez créer ébauche ébauchez ébaucher
    compose composez composer produis produisez produire génère générez générer construis
    construisez construire implémente implémentez implémenter conçois concevez concevoir
    développe développez développer fais faites faire code codez coder programme programmez
    programmer résume résumez résumer explique expliquez expliquer décris décrivez décrire
    analyse analysez analyser compare comparez comparer évalue évaluez évaluer relis relisez
    relire révise révisez réviser critique critiquez critiquer réécris réécrivez réécrire
    modifie modifiez modifier traduis traduisez traduire convertis convertissez convertir
    refactorise refactorisez refactoriser débogue déboguez déboguer corrige corrigez corriger
    teste testez tester liste listez lister énumère énumérez énumérer esquisse esquissez
    esquisser planifie planifiez planifier organise organisez organiser propose proposez
    proposer recommande recommandez recommander suggère suggérez suggérer identifie identifiez
    identifier trouve trouvez trouver extrais extrayez extraire classe classez classer classifie
    classifiez classifier catégorise catégorisez catégoriser note notez noter estime estimez
    estimer calcule calculez calculer prévois prévoyez prévoir prédis prédisez prédire modélise
    modélisez modéliser simule simulez simuler prépare préparez préparer donne donnez donner
    fournis fournissez fournir renvoie renvoyez renvoyer retourne retournez retourner réponds
    répondez répondre dis dites dire aide aidez aider enseigne enseignez enseigner montre
    montrez montrer prouve prouvez prouver démontre démontrez démontrer dérive dérivez dériver
    déduis déduisez déduire résous résolvez résoudre optimise optimisez optimiser audite
    auditez auditer vérifie vérifiez vérifier contrôle contrôlez contrôler valide validez
    valider nettoie nettoyez nettoyer fusionne fusionnez fusionner formate formatez formater
    structure structurez structurer cartographie cartographiez cartographier nomme nommez
    nommer recherche recherchez rechercher examine examinez examiner étudie étudiez étudier
    collecte collectez collecter recueille recueillez recueillir rassemble rassemblez
    rassembler définis définissez définir précise précisez préciser spécifie spécifiez
    spécifier documente documentez documenter rapporte rapportez rapporter visualise
    visualisez visualiser trace tracez tracer ajoute ajoutez ajouter inclus incluez inclure
    mentionne mentionnez mentionner indique indiquez indiquer affiche affichez afficher
    signale signalez signaler regroupe regroupez regrouper groupe groupez grouper trie triez
    trier""",
    "de": """
    schreib schreibe schreiben verfass verfasse verfassen erstell erstelle erstellen entwirf
    entwerfen produziere produzieren generiere generieren erzeug erzeuge erzeugen bau baue
    bauen implementiere implementieren gestalte gestalten entwickle entwickel entwickeln mach
    mache machen programmiere programmieren code coden fass fasse zusammenfassen erklär erkläre
    erklären beschreib beschreibe beschreiben analysiere analysieren vergleich vergleiche
    vergleichen bewerte bewerten beurteile beurteilen evaluiere evaluieren prüf prüfe prüfen
    überprüfe überprüfen kritisiere kritisieren umschreiben formuliere umformulieren bearbeite
    bearbeiten überarbeite überarbeiten übersetz übersetze übersetzen konvertiere konvertieren
    wandle umwandeln refaktoriere refaktorieren debugge debuggen behebe beheben korrigiere
    korrigieren teste testen liste auflisten zähle aufzählen skizziere skizzieren gliedere
    gliedern plane planen schlag schlage vorschlagen empfiehl empfehlen identifiziere
    identifizieren ermittle ermitteln finde finden extrahiere extrahieren klassifiziere
    klassifizieren kategorisiere kategorisieren ordne ordnen schätze schätzen berechne berechnen
    prognostiziere prognostizieren sag sage vorhersagen modelliere modellieren simuliere
    simulieren bereite vorbereiten gib geben liefere liefern zurückgeben antworte antworten
    beantworte beantworten sagen hilf helfen lehre lehren zeig zeige zeigen beweise beweisen
    leite herleiten löse lösen optimiere optimieren auditiere auditieren verifiziere
    verifizieren kontrolliere kontrollieren validiere validieren bereinige bereinigen führe
    zusammenführen formatiere formatieren strukturiere strukturieren organisiere organisieren
    bilde abbilden terminiere terminieren nenne nennen benenne benennen recherchiere
    recherchieren untersuche untersuchen studiere studieren sammle sammeln definiere definieren
    lege festlegen spezifiziere spezifizieren dokumentiere dokumentieren berichte berichten
    visualisiere visualisieren zeichne zeichnen stelle darstellen füge hinzufügen ergänze
    ergänzen erwähne erwähnen ausgeben markiere markieren kennzeichne kennzeichnen gruppiere
    gruppieren sortiere sortieren""",
    "es": """
    escribe escriba escribir redacta redacte redactar crea cree crear elabora elabore elaborar
    compón componga componer produce produzca producir genera genere generar construye
    construya construir monta monte montar implementa implemente implementar diseña diseñe diseñar desarrolla
    desarrolle desarrollar haz haga hacer programa programe programar codifica codifique
    codificar resume resuma resumir explica explique explicar describe describa describir
    analiza analice analizar compara compare comparar evalúa evalúe evaluar valora valore
    valorar revisa revise revisar critica critique criticar reescribe reescriba reescribir
    edita edite editar traduce traduzca traducir convierte convierta convertir refactoriza
    refactorice refactorizar depura depure depurar corrige corrija corregir arregla arregle
    arreglar prueba pruebe probar enumera enumere enumerar lista liste listar esboza esboce
    esbozar planifica planifique planificar planea planee planear organiza organice organizar
    propón proponga proponer recomienda recomiende recomendar sugiere sugiera sugerir identifica
    identifique identificar encuentra encuentre encontrar extrae extraiga extraer clasifica
    clasifique clasificar categoriza categorice categorizar ordena ordene ordenar puntúa puntúe
    puntuar estima estime estimar calcula calcule calcular pronostica pronostique pronosticar
    predice prediga predecir modela modele modelar simula simule simular prepara prepare
    preparar da dé dame deme dar proporciona proporcione proporcionar devuelve devuelva
    devolver responde responda responder contesta conteste contestar di diga dime dígame decir
    ayuda ayude ayúdame ayudar enseña enseñe enseñar muestra muestre mostrar demuestra
    demuestre demostrar deriva derive derivar deduce deduzca deducir resuelve resuelva resolver
    optimiza optimice optimizar audita audite auditar comprueba compruebe comprobar verifica
    verifique verificar valida valide validar limpia limpie limpiar fusiona fusione fusionar
    formatea formatee formatear estructura estructure estructurar mapea mapee mapear nombra
    nombrar investiga investigue investigar estudia estudie estudiar recopila recopile
    recopilar reúne reúna reunir recoge recoja recoger define defina definir especifica
    especifique especificar documenta documente documentar informa informar visualiza visualice
    visualizar grafica grafique graficar traza trace trazar añade añada añadir agrega agregue
    agregar incluye incluya incluir menciona mencione mencionar indica indique indicar marca
    marque marcar señala señale señalar agrupa agrupe agrupar""",
    "it": """
    scrivi scriva scrivete scrivere redigi rediga redigere crea crei create creare abbozza
    abbozzi abbozzare componi componga comporre produci produca produrre genera generi generare
    costruisci costruisca costruire implementa implementi implementare progetta progetti
    progettare sviluppa sviluppi sviluppare fai faccia fate fare programma programmi
    programmare codifica codificare riassumi riassuma riassumere spiega spieghi spiegate
    spiegare descrivi descriva descrivere analizza analizzi analizzare confronta confronti
    confrontare valuta valuti valutare rivedi riveda rivedere esamina esamini esaminare critica
    critichi criticare riscrivi riscriva riscrivere modifica modifichi modificare traduci
    traduca tradurre converti converta convertire rifattorizza rifattorizzare debugga
    debuggare correggi corregga correggere sistema sistemi sistemare testa testare prova provi
    provare elenca elenchi elencare delinea delinei delineare pianifica pianifichi pianificare
    organizza organizzi organizzare proponi proponga proporre consiglia consigli consigliare
    raccomanda raccomandi raccomandare suggerisci suggerisca suggerire identifica identifichi
    identificare individua individui individuare trova trovi trovare estrai estragga estrarre
    classifica classifichi classificare categorizza categorizzare ordina ordini ordinare stima
    stimi stimare calcola calcoli calcolare prevedi preveda prevedere modella modellare simula
    simuli simulare prepara prepari preparare dai dia date dammi dare fornisci fornisca fornire
    restituisci restituisca restituire rispondi risponda rispondere dimmi dica dire aiuta aiuti
    aiutami aiutare insegna insegni insegnare mostra mostri mostrare dimostra dimostri
    dimostrare deriva derivi derivare ricava ricavare risolvi risolva risolvere ottimizza
    ottimizzi ottimizzare controlla controlli controllare verifica verifichi verificare
    convalida convalidi convalidare pulisci pulisca pulire unisci unisca unire formatta
    formatti formattare struttura strutturi strutturare mappa mappare nomina nominare ricerca
    ricercare indaga indaghi indagare studia studi studiare raccogli raccolga raccogliere
    definisci definisca definire specifica specifichi specificare documenta documenti
    documentare riporta riporti riportare visualizza visualizzi visualizzare traccia tracci
    tracciare aggiungi aggiunga aggiungere includi includa includere menziona menzioni
    menzionare indica indichi indicare segnala segnali segnalare raggruppa raggruppi
    raggruppare""",
    "pt": """
    escreva escreve escrever redija redige redigir crie cria criar elabore elabora elaborar
    componha compõe compor produza produz produzir gere gera gerar construa constrói construir monte monta montar
    implemente implementa implementar projete projeta projetar desenvolva desenvolve
    desenvolver faça faz fazer programe programa programar codifique codifica codificar resuma
    resume resumir explique explica explicar descreva descreve descrever analise analisa
    analisar compare compara comparar avalie avalia avaliar revise revisa revisar reveja rever
    critique critica criticar reescreva reescreve reescrever edite edita editar traduza traduz
    traduzir converta converte converter refatore refatora refatorar depure depura depurar
    corrija corrige corrigir teste testa testar liste lista listar enumere enumera enumerar
    esboce esboça esboçar planeje planeja planejar planeie planeia planear organize organiza
    organizar proponha propõe propor recomende recomenda recomendar sugira sugere sugerir
    identifique identifica identificar encontre encontra encontrar extraia extrai extrair
    classifique classifica classificar categorize categoriza categorizar ordene ordena ordenar
    pontue pontua pontuar estime estima estimar calcule calcula calcular preveja prevê prever
    modele modela modelar simule simula simular prepare prepara preparar dê dá dar forneça
    fornece fornecer devolva devolve devolver retorne retorna retornar responda responde
    responder diga diz dizer ajude ajuda ajudar ensine ensina ensinar mostre mostra mostrar
    prove prova provar demonstre demonstra demonstrar derive deriva derivar deduza deduz deduzir
    resolva resolve resolver otimize otimiza otimizar optimize optimiza optimizar audite
    audita auditar verifique verifica verificar confira confere conferir valide valida validar
    limpe limpa limpar junte junta juntar formate formata formatar estruture estrutura
    estruturar mapeie mapeia mapear agende agenda agendar nomeie nomeia nomear pesquise
    pesquisa pesquisar investigue investiga investigar estude estuda estudar recolha recolhe
    recolher reúna reúne reunir colete coleta coletar defina define definir especifique
    especifica especificar documente documenta documentar relate relata relatar visualize
    visualiza visualizar trace traça traçar adicione adiciona adicionar acrescente acrescenta
    acrescentar inclua inclui incluir mencione menciona mencionar indique indica indicar
    sinalize sinaliza sinalizar assinale assinala assinalar agrupe agrupa agrupar""",
    "nl": """
    schrijf schrijven maak maken creëer creëren stel opstellen ontwerp ontwerpen componeer
    componeren produceer produceren genereer genereren bouw bouwen implementeer implementeren
    ontwikkel ontwikkelen codeer coderen programmeer programmeren vat samenvatten leg uitleggen
    verklaar verklaren beschrijf beschrijven analyseer analyseren vergelijk vergelijken evalueer
    evalueren beoordeel beoordelen bekijk bekijken bekritiseer bekritiseren herschrijf
    herschrijven bewerk bewerken redigeer redigeren vertaal vertalen converteer converteren
    zet omzetten refactor refactoren debug debuggen herstel herstellen repareer repareren test
    testen noem noemen som opsommen schets schetsen plan plannen voorstellen raad aanraden beveel
    aanbevelen identificeer identificeren vind vinden zoek zoeken extraheer extraheren haal
    classificeer classificeren categoriseer categoriseren rangschik rangschikken scoor scoren
    schat schatten bereken berekenen voorspel voorspellen modelleer modelleren simuleer
    simuleren bereid voorbereiden geef geven lever leveren antwoord antwoorden beantwoord
    beantwoorden vertel vertellen zeg zeggen help helpen leer leren toon tonen laat bewijs
    bewijzen leid afleiden los oplossen optimaliseer optimaliseren audit auditen controleer
    controleren verifieer verifiëren valideer valideren schoon opschonen voeg samenvoegen
    formatteer formatteren structureer structureren organiseer organiseren breng onderzoek
    onderzoeken bestudeer bestuderen verzamel verzamelen definieer definiëren specificeer
    specificeren documenteer documenteren rapporteer rapporteren visualiseer visualiseren plot
    plotten teken tekenen toevoegen neem opnemen vermeld vermelden markeer markeren groepeer
    groeperen sorteer sorteren""",
}
_LEADS: dict[str, str] = {
    "fr": "veuillez merci stp svp ensuite puis maintenant aussi également enfin d'abord et donc "
    "juste brièvement",
    "de": "bitte dann nun jetzt auch außerdem schließlich zuerst zunächst und also nur kurz",
    "es": "por favor luego después ahora también además finalmente primero y así solo brevemente",
    "it": "per favore poi ora adesso anche inoltre infine prima e quindi solo brevemente",
    "pt": "por favor depois então agora também além disso finalmente primeiro e só apenas "
    "brevemente",
    "nl": "alsjeblieft alstublieft graag dan nu ook verder tenslotte eerst en dus gewoon kort",
}
_OPENERS: dict[str, str] = {
    "fr": r"(?:ta|votre)\s+(?:tâche|mission|objectif)\s+(?:est|consiste)|tu\s+(?:vas|dois|devras)"
    r"|vous\s+(?:allez|devez|devrez)|j'ai\s+besoin\s+que\s+(?:tu|vous)|(?:s'il\s+(?:te|vous)\s+"
    r"plaît|veuillez)\s+\w+|nous\s+avons\s+besoin|la\s+tâche\s+(?:est|consiste)|tâche\s*:",
    "de": r"(?:deine|ihre)\s+(?:aufgabe|ziel)\s+(?:ist|besteht)|du\s+(?:wirst|sollst|musst)"
    r"|sie\s+(?:werden|sollen|müssen)|ich\s+(?:möchte|brauche),?\s+dass\s+(?:du|sie)|bitte\s+\w+"
    r"|wir\s+brauchen|die\s+aufgabe\s+(?:ist|lautet|besteht)|aufgabe\s*:",
    "es": r"(?:tu|su)\s+(?:tarea|trabajo|objetivo)\s+(?:es|consiste)|(?:vas\s+a|debes|deberás|"
    r"tienes\s+que|usted\s+debe)|necesito\s+que|por\s+favor\s+\w+|necesitamos|la\s+tarea\s+"
    r"(?:es|consiste)|tarea\s*:",
    "it": r"il\s+(?:tuo|suo)\s+(?:compito|lavoro|obiettivo)\s+è|(?:dovrai|devi)\b|ho\s+bisogno\s+"
    r"che\s+tu|per\s+favore\s+\w+|abbiamo\s+bisogno|il\s+compito\s+è|compito\s*:",
    "pt": r"(?:a\s+)?(?:sua|tua)\s+(?:tarefa|função|objetivo)\s+é|você\s+(?:vai|deve|deverá|"
    r"precisa)|tu\s+(?:vais|deves)|preciso\s+que\s+(?:você|tu)|por\s+favor\s+\w+|precisamos"
    r"|a\s+tarefa\s+é|tarefa\s*:",
    "nl": r"(?:je|jouw|uw)\s+(?:taak|opdracht|doel)\s+is|(?:je|jij|u)\s+(?:moet|gaat|zult|zal)\b"
    r"|ik\s+wil\s+dat\s+(?:je|jij|u)|(?:alsjeblieft|alstublieft)\s+\w+|we\s+hebben\b[^.\n]{0,60}"
    r"\bnodig|de\s+(?:taak|opdracht)\s+is|(?:taak|opdracht)\s*:",
}
_HEADINGS: dict[str, str] = {
    "fr": r"(?:(?:ta|votre|ma|la)\s+)?(?:tâches?|demande|objectifs?|but|requête|livrables?|"
    r"mission|consignes?|instructions?|sortie|résultats?\s+attendus?|résultat|ce\s+que\s+(?:je|"
    r"nous)\s+(?:veux|voulons|attends|attendons)(?:\s+de\s+(?:toi|vous))?|ce\s+dont\s+(?:j'ai|"
    r"nous\s+avons)\s+besoin|que\s+faire|à\s+faire|questions?)",
    "de": r"(?:(?:deine|ihre|die|das)\s+)?(?:aufgaben?|anfrage|anliegen|ziele?|zielsetzung|"
    r"auftrag|liefergegenstände?|ergebnisse?|anweisungen?|ausgabe|erwartete\s+ausgabe|was\s+"
    r"(?:ich|wir)\s+(?:möchten?|brauchen?|will|wollen)(?:\s+von\s+(?:dir|ihnen))?|was\s+zu\s+"
    r"tun\s+ist|to-?do|fragen?)",
    "es": r"(?:(?:tu|su|la|el)\s+)?(?:tareas?|petición|solicitud|objetivos?|meta|encargo|"
    r"entregables?|instrucciones?|salida|resultados?(?:\s+esperados?)?|lo\s+que\s+(?:quiero|"
    r"queremos|necesito|necesitamos)(?:\s+de\s+ti)?|qué\s+hacer|preguntas?)",
    "it": r"(?:(?:il\s+tuo|il\s+suo|il|la)\s+)?(?:compiti|compito|richiesta|obiettivi?|scopo|"
    r"incarico|consegne?|deliverables?|istruzioni|output|risultati?(?:\s+attesi?)?|cosa\s+"
    r"(?:voglio|vogliamo|mi\s+serve|ci\s+serve)(?:\s+da\s+te)?|cosa\s+fare|domande|domanda)",
    "pt": r"(?:(?:a\s+)?(?:sua|tua)\s+|a\s+|o\s+)?(?:tarefas?|pedido|solicitação|objetivos?|"
    r"meta|encomenda|entregáveis?|instruções|saída|resultados?(?:\s+esperados?)?|o\s+que\s+"
    r"(?:quero|queremos|preciso|precisamos)(?:\s+de\s+(?:ti|você))?|o\s+que\s+fazer|perguntas?)",
    "nl": r"(?:(?:je|jouw|uw|de|het)\s+)?(?:taken|taak|vraag|verzoek|doelen|doel|opdracht|"
    r"doelstelling|op\s+te\s+leveren|instructies?|uitvoer|output|resultaat|wat\s+(?:ik|we)\s+"
    r"(?:wil|willen|nodig\s+heb|nodig\s+hebben)(?:\s+van\s+(?:je|jou|u))?|wat\s+te\s+doen|"
    r"vragen)",
}
# German and Dutch give instructions as an infinitive at the end ("Eine E-Mail schreiben.").
_FINAL_INFINITIVE = frozenset(["de", "nl"])

TASK_BY_LANGUAGE: dict[str, TaskCues] = {
    lang: TaskCues(
        verbs=frozenset(word_list(_VERBS[lang])),
        leads=frozenset(word_list(_LEADS[lang])),
        openers=re.compile(rf"(?<!\w)(?:{_OPENERS[lang]})", re.I),
        headings=re.compile(_HEADINGS[lang], re.I),
        final_infinitive=lang in _FINAL_INFINITIVE,
    )
    for lang in _VERBS
}

__all__ = ["TASK_BY_LANGUAGE"]
