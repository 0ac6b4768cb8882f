"""Words that fit any prompt on any subject, in French, German, Spanish, Italian, Portuguese, Dutch.

Faithful translations of lexicon.GENERIC (quality words, parts of a prompt, instruction verbs of
any task), with the gender, number and imperative forms a translator writes. A sentence made only
of these says nothing, as in English. Words that are generic in English but name something
specific in the other language are left out ("données" is "given" and "data").
"""

from __future__ import annotations

from .lexicon import word_list

_GENERIC = {
    "fr": """
    approprié appropriée appropriés appropriées pertinent pertinente pertinents pertinentes adapté
    adaptée adaptés adaptées convenable convenables sensé sensée sensés raisonnable raisonnables
    standard standards habituel habituelle habituels habituelles typique typiques courant courante
    courants courantes commun commune communs communes normal normale normaux normales général
    générale généraux générales générique génériques bon bonne bons bonnes super génial géniale
    sympa clair claire clairs claires clairement concis concise concises utile utiles précis
    précise précises exact exacte exacts exactes correct correcte corrects correctes correctement
    qualité élevé élevée haut haute professionnel professionnelle professionnels professionnelles
    amical amicale aimable poli polie formel formelle simple simples court courte courts courtes
    long longue longs longues bref brève brefs brèves détaillé détaillée détaillés détaillées
    approfondi approfondie complet complète complets complètes exhaustif exhaustive meilleur
    meilleure meilleurs meilleures pratique pratiques nécessaire nécessaires requis requise
    requises exigence exigences applicable applicables possible possibles détail détails
    information informations info infos contenu contenus sortie sorties résultat résultats réponse
    réponses format formats formaté formatée structure structures structuré structurée style ton
    voix longueur taille niveau approche méthode méthodes façon façons manière manières chose
    choses truc trucs divers diverse diverses plusieurs quelques certains certaines etc global
    globale ensemble clé clés principal principale principaux principales important importante
    importants importantes essentiel essentielle essentiels essentielles assurer assure assurez
    veiller veille veillez fournir fournis fournissez donner donne donnez inclure inclus incluez
    écrire écris écrivez rédiger rédige rédigez créer crée créez produire produis produisez
    livrer livre livrez livrable livrables tâche tâches objectif objectifs but buts finalité
    contexte notes note supplémentaire supplémentaires additionnel additionnelle additionnels
    autre autres considérer considère considérez considérations compte garder garde gardez esprit
    bien travail travailler fonctionne concentrer concentre concentrez aspect aspects utilisateur
    utilisateurs utilisatrice utilisatrices lecteur lecteurs lectrice lectrices public cible
    spécifié spécifiée spécifique spécifiques donné souhaité souhaitée souhaités attendu attendue
    attendus attendues selon basé basée suivre suivez suivant suivante suivants suivantes
    ci-dessus ci-dessous dessus dessous décrit décrite mentionné mentionnée listé listée
    expliquer explique expliquez explication résumé aperçu section sections partie parties point
    points élément éléments exemple exemples instructions instruction consignes consigne
    directives directive règles règle contraintes contrainte critères critère succès réussite
    vérifier vérifie vérifiez vérification vérifications relecture revue final finale finaux
    finales""",
    "de": """
    angemessen angemessene angemessenen relevant relevante relevanten geeignet geeignete
    geeigneten sinnvoll sinnvolle sinnvollen vernünftig vernünftige vernünftigen standard
    üblich übliche üblichen typisch typische typischen gängig gängige allgemein allgemeine
    allgemeinen normal normale generisch generische gut gute guten guter gutes toll tolle
    großartig schön schöne klar klare klaren deutlich prägnant prägnante hilfreich hilfreiche
    nützlich nützliche genau genaue korrekt korrekte richtig richtige qualität hoch hohe hohen
    professionell professionelle freundlich freundliche höflich höfliche formell formelle einfach
    einfache kurz kurze kurzen lang lange langen knapp knappe detailliert detaillierte gründlich
    gründliche vollständig vollständige umfassend umfassende beste besten bewährte praxis
    praktiken nötig nötige notwendig notwendige erforderlich erforderliche anforderung
    anforderungen zutreffend möglich mögliche details detail informationen information infos
    inhalt inhalte ausgabe ausgaben ergebnis ergebnisse antwort antworten format formatiert
    struktur strukturiert strukturierte stil ton tonfall stimme länge größe niveau ansatz methode
    methoden weise art etwas dinge sachen zeug verschiedene mehrere einige irgendein usw etc
    insgesamt gesamt wichtigste wichtigsten haupt wichtig wichtige wichtigen wesentlich
    wesentliche sicherstellen stelle sicher liefere liefern gib geben füge enthalten schreib
    schreibe schreiben erstelle erstellen produziere erzeugen liefergegenstand aufgabe aufgaben
    ziel ziele zielsetzung zweck kontext hintergrund notizen hinweis hinweise zusätzlich
    zusätzliche weitere andere anderen sonstiges berücksichtige berücksichtigen überlegungen
    beachte beachten achte gut arbeit arbeite funktioniert konzentriere fokus aspekt aspekte
    nutzer nutzerin benutzer leser leserin leserinnen publikum zielgruppe angegeben angegebene
    spezifisch spezifische gegeben gegebene gewünscht gewünschte erwartet erwartete gemäß
    basierend folge folgen folgende folgenden oben unten beschrieben beschriebene erwähnt
    erwähnte aufgeführt aufgeführte erkläre erklären erklärung zusammenfassung überblick
    abschnitt abschnitte teil teile punkt punkte element elemente beispiel beispiele anweisungen
    anweisung anleitung richtlinien richtlinie regeln regel einschränkungen einschränkung
    vorgaben kriterien erfolg prüfe prüfen prüfung prüfungen überprüfung endgültig endgültige
    final finale""",
    "es": """
    apropiado apropiada apropiados apropiadas apropiadamente relevante relevantes pertinente
    pertinentes adecuado adecuada adecuados adecuadas sensato sensata razonable razonables
    estándar habitual habituales típico típica típicos típicas común comunes normal normales
    general generales genérico genérica bueno buena buenos buenas buen genial bonito bonita claro
    clara claros claras claramente conciso concisa útil útiles preciso precisa precisos precisas
    correcto correcta correctos correctas correctamente calidad alto alta profesional
    profesionales amable amables cordial educado educada formal simple sencillo sencilla corto
    corta cortos cortas largo larga largos largas breve breves detallado detallada detallados
    detalladas minucioso minuciosa completo completa completos completas exhaustivo exhaustiva
    mejor mejores práctica prácticas necesario necesaria necesarios necesarias requerido
    requerida requisito requisitos aplicable posible posibles detalles detalle información info
    contenido contenidos salida salidas resultado resultados respuesta respuestas formato
    formateado estructura estructurado estructurada estilo tono voz longitud extensión tamaño
    nivel enfoque método métodos forma formas manera cosa cosas varios varias diversos diversas
    algunos algunas cualquier etc general global clave principal principales importante
    importantes esencial esenciales asegurar asegúrate asegúrese proporciona proporcione
    proporcionar da dar incluye incluya incluir escribe escriba escribir crea cree crear produce
    produzca producir entrega entregar entregable entregables tarea tareas objetivo objetivos meta
    metas propósito contexto antecedentes notas nota adicional adicionales extra otro otra otros
    otras considera considere considerar consideraciones cuenta ten mente bien trabajo trabaja
    funciona céntrate centrarse enfoque aspecto aspectos usuario usuarios usuaria lector lectores
    lectora público destinatario especificado especificada específico específica dado dada
    deseado deseada esperado esperada esperados según basado basada sigue siga seguir siguiente
    siguientes arriba abajo descrito descrita mencionado mencionada enumerado explica explique
    explicar explicación resumen panorama sección secciones parte partes punto puntos elemento
    elementos ejemplo ejemplos instrucciones instrucción orientación pautas pauta directrices
    reglas regla restricciones restricción criterios criterio éxito comprueba comprobar revisión
    revisa final finales""",
    "it": """
    appropriato appropriata appropriati appropriate appropriatamente pertinente pertinenti
    rilevante rilevanti adatto adatta adatti adatte sensato sensata ragionevole ragionevoli
    standard solito solita soliti abituale abituali tipico tipica tipici tipiche comune comuni
    normale normali generale generali generico generica buono buona buoni buone buon ottimo
    ottima bello bella carino chiaro chiara chiari chiare chiaramente conciso concisa utile utili
    accurato accurata preciso precisa corretto corretta corretti corrette correttamente qualità
    alto alta professionale professionali cordiale gentile educato formale semplice semplici
    breve brevi corto corta lungo lunga lunghi lunghe dettagliato dettagliata dettagliati
    approfondito approfondita completo completa completi complete esaustivo esaustiva migliore
    migliori pratica pratiche necessario necessaria necessari necessarie richiesto richiesta
    requisito requisiti applicabile possibile possibili dettagli dettaglio informazioni
    informazione info contenuto contenuti output risultato risultati risposta risposte formato
    formattato struttura strutturato strutturata stile tono voce lunghezza dimensione livello
    approccio metodo metodi modo modi maniera cosa cose vari varie diversi diverse alcuni alcune
    qualsiasi ecc etc complessivo generale chiave principale principali importante importanti
    essenziale essenziali assicurati garantire fornisci fornire dai dare includi includere
    scrivi scrivere crea creare produci produrre consegna consegnare deliverable compito compiti
    obiettivo obiettivi scopo contesto note nota aggiuntivo aggiuntiva aggiuntivi extra altro
    altra altri altre considera considerare considerazioni conto tieni mente bene lavoro lavora
    funziona concentrati focus aspetto aspetti utente utenti lettore lettori lettrice pubblico
    destinatari specificato specificata specifico specifica dato data desiderato desiderata
    atteso attesa attesi secondo basato basata segui seguire seguente seguenti sopra sotto
    descritto descritta menzionato menzionata elencato spiega spiegare spiegazione riepilogo
    riassunto panoramica sezione sezioni parte parti punto punti elemento elementi esempio esempi
    istruzioni istruzione indicazioni linee guida regole regola vincoli vincolo criteri criterio
    successo controlla controllare controllo controlli revisione finale finali""",
    "pt": """
    apropriado apropriada apropriados apropriadas apropriadamente relevante relevantes
    pertinente pertinentes adequado adequada adequados adequadas sensato sensata razoável
    razoáveis padrão habitual habituais típico típica típicos típicas comum comuns normal normais
    geral gerais genérico genérica bom boa bons boas ótimo ótima legal bonito bonita claro clara
    claros claras claramente conciso concisa útil úteis preciso precisa exato exata correto
    correta corretos corretas corretamente qualidade alto alta profissional profissionais
    simpático amigável educado formal simples curto curta curtos curtas longo longa longos
    longas breve breves detalhado detalhada detalhados detalhadas minucioso completo completa
    completos completas abrangente exaustivo melhor melhores prática práticas necessário
    necessária necessários necessárias exigido exigida requisito requisitos aplicável possível
    possíveis detalhes detalhe informação informações info conteúdo conteúdos saída saídas
    resultado resultados resposta respostas formato formatado estrutura estruturado estruturada
    estilo tom voz comprimento extensão tamanho nível abordagem método métodos forma formas
    maneira modo coisa coisas vários várias diversos diversas alguns algumas qualquer etc geral
    global chave principal principais importante importantes essencial essenciais garanta
    garantir certifique forneça fornecer dê dar inclua incluir escreva escrever crie criar
    produza produzir entregue entregar entregável entregáveis tarefa tarefas objetivo objetivos
    meta metas propósito finalidade contexto notas nota adicional adicionais extra outro outra
    outros outras considere considerar considerações conta mente bem trabalho trabalha funciona
    foque foco aspecto aspectos usuário usuários utilizador utilizadores leitor leitores leitora
    público destinatário especificado especificada específico específica dado dada desejado
    desejada esperado esperada esperados segundo conforme baseado baseada siga seguir seguinte
    seguintes acima abaixo descrito descrita mencionado mencionada listado explique explicar
    explicação resumo visão seção secção seções secções parte partes ponto pontos item itens
    exemplo exemplos instruções instrução orientação orientações diretrizes regras regra
    restrições restrição critérios critério sucesso verifique verificar verificação revisão
    final finais""",
    "nl": """
    gepast gepaste passend passende relevant relevante geschikt geschikte verstandig verstandige
    redelijk redelijke standaard gebruikelijk gebruikelijke typisch typische gangbaar gangbare
    algemeen algemene normaal normale generiek generieke goed goede geweldig geweldige leuk leuke
    mooi mooie duidelijk duidelijke beknopt beknopte behulpzaam nuttig nuttige nauwkeurig
    nauwkeurige correct correcte juist juiste kwaliteit hoog hoge professioneel professionele
    vriendelijk vriendelijke beleefd beleefde formeel formele eenvoudig eenvoudige simpel
    simpele kort korte lang lange bondig gedetailleerd gedetailleerde grondig grondige volledig
    volledige uitgebreid uitgebreide beste praktijk praktijken nodig nodige noodzakelijk
    noodzakelijke vereist vereiste vereisten eis eisen toepasselijk mogelijk mogelijke details
    detail informatie info inhoud uitvoer output resultaat resultaten antwoord antwoorden formaat
    opmaak opgemaakt structuur gestructureerd gestructureerde stijl toon stem lengte grootte
    omvang niveau aanpak methode methoden methodes manier manieren wijze iets dingen spullen
    diverse verschillende enkele sommige enige enz etc geheel algemeen belangrijkste
    belangrijk belangrijke essentieel essentiële zorg zorgen lever leveren geef geven neem
    opnemen schrijf schrijven maak maken creëer produceer oplevering opleveren taak taken doel
    doelen doelstelling doelstellingen context achtergrond notities opmerkingen opmerking
    aanvullend aanvullende extra ander andere overige overweeg overwegen overwegingen rekening
    houd houden gedachten werk werken werkt focus focussen aspect aspecten gebruiker gebruikers
    lezer lezers publiek doelgroep gespecificeerd gespecificeerde specifiek specifieke gegeven
    gegeven gewenst gewenste verwacht verwachte volgens gebaseerd volg volgen volgende boven
    onder beschreven genoemd genoemde vermeld vermelde opgesomd leg uitleg uitleggen samenvatting
    overzicht sectie secties deel delen onderdeel onderdelen punt punten item items voorbeeld
    voorbeelden instructies instructie richtlijnen richtlijn regels regel beperkingen beperking
    criteria criterium succes controleer controleren controle controles beoordeling eind
    definitief definitieve""",
}
GENERIC_BY_LANGUAGE: dict[str, frozenset[str]] = {
    lang: frozenset(word_list(words)) for lang, words in _GENERIC.items()
}

__all__ = ["GENERIC_BY_LANGUAGE"]
