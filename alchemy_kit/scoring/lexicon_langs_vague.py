"""Vagueness, delegation and audience cues in French, German, Spanish, Italian, Portuguese, Dutch.

Faithful translations of the English VAGUE, DELEGATION and AUDIENCE patterns in lexicon.py: the
same concepts in the word order and inflected forms of each language ("une longueur raisonnable"
for "a sensible length", "wo es sinnvoll ist" for "where it makes sense"). German and Dutch readers
may be named inside a compound ("für unser Buchhaltungsteam"). A word that is both a
vague English word and a plain word of the other language ("tipo de" is "kind of" and "type of";
"etwas" is "something" and "a little"; French "ton" is "tone" and "your") is listed only in an
unambiguous form. Underscores stand for spaces; see lexicon_langs_padding.alternation.
"""

from __future__ import annotations

import re

from .lexicon_langs_padding import alternation

_VAGUE = {
    "fr": r"""etc trucs choses quelque_chose d'une_manière_ou_d'une_autre une_sorte_de une_espèce_de
    divers diverse diverses approprié\w* de_manière_appropriée au_besoin si_nécessaire si_besoin
    le_cas_échéant selon_le_cas là_où_c'est_pertinent détails?_pertinents de_bonne_qualité sympa
    agréable\w* correctement convenable\w* adéquat\w* raisonnable\w* n'importe_quoi
    tout_ce_qui_est_important toutes_les_choses_importantes les_(?:trucs|choses)_habituel(?:le)?s""",
    "de": r"""usw etc zeug dinge sachen irgendetwas irgendwas irgendwie irgendeine_art_von eine_art
    verschiedene\w* diverse\w* angemessen\w* geeignet\w* bei_bedarf falls_nötig wenn_nötig
    falls_erforderlich wo_relevant je_nach_bedarf relevante[n]?_details gute_qualität nett nette netten netter nettes
    ordnungsgemäß ordentlich\w* adäquat\w* vernünftig\w* was_auch_immer sonst_noch_etwas
    alles_wichtige alle_wichtigen_dinge das_übliche""",
    "es": r"""etc cosas algo de_alguna_manera de_algún_modo una_especie_de una_suerte_de varios varias
    diversos diversas adecuad[oa]s? adecuadamente apropiad[oa]s? apropiadamente
    según_sea_necesario si_es_necesario si_hace_falta cuando_sea_relevante según_corresponda
    detalles_relevantes buena_calidad bonit[oa]s? agradable\w* correctamente debidamente
    idóne[oa]s? razonable\w* lo_que_sea cualquier_otra_cosa todo_lo_importante
    todas_las_cosas_importantes lo_de_siempre las_cosas_de_siempre""",
    "it": r"""ecc etc cose qualcosa in_qualche_modo una_sorta_di una_specie_di vari varie diversi diverse
    appropriat[oaie] appropriatamente adeguat[oaie] adeguatamente se_necessario al_bisogno
    secondo_necessità dove_pertinente dettagli_pertinenti dettagli_rilevanti buona_qualità
    carin[oaie] piacevol[ei] correttamente idone[oaie] ragionevol[ei] qualsiasi_cosa
    qualunque_cosa tutto_ciò_che_è_importante tutte_le_cose_importanti le_solite_cose il_solito""",
    "pt": r"""etc coisas algo de_alguma_forma de_algum_modo uma_espécie_de uma_sorte_de vári[oa]s
    divers[oa]s apropriad[oa]s? apropriadamente adequad[oa]s? adequadamente conforme_necessário
    se_necessário quando_necessário quando_relevante detalhes_relevantes boa_qualidade
    bonit[oa]s? agradáve(?:l|is) corretamente devidamente razoáve(?:l|is) qualquer_coisa
    o_que_for tudo_o_que_é_importante todas_as_coisas_importantes o_habitual
    as_coisas_de_sempre""",
    "nl": r"""enz etc dingen spullen op_een_of_andere_manier een_soort soort_van diverse
    gepast\w* passend\w* geschikt\w* indien_nodig waar_nodig zo_nodig waar_relevant
    relevante_details goede_kwaliteit leuk\w* naar_behoren adequa\w* redelijk\w* wat_dan_ook
    alles_wat_belangrijk_is alle_belangrijke_dingen het_gebruikelijke""",
}
_AUDIENCE = {
    "fr": r"""public lecteurs? lectrices? lectorat (?:écrit|écrite|rédigé|rédigée)_pour destiné\w*_à
    s'adresse_à qui_(?:le_|la_|les_)?lir(?:a|ont) niveau_d'expertise non_techniques? débutant\w*
    experts? expertes? junior\w* senior\w* (?:le|un|du|au|de|sur_un)_ton ton(?=[ \t]*(?::|$)) voix
    pour_(?:les_|la_|le_|des_|nos_|notre_|mes_|vos_|votre_|un_|une_)?(?:\w+_){0,3}?(?:utilisat\w+|
    clients?|clientes?|équipes?|ingénieur\w*|développeu\w+|étudiant\w*|managers?|responsables?|
    dirigeant\w*|cadres|parties_prenantes|parents|enfants|patients?|patientes?|personnel|
    employé\w*|salarié\w*|fondat\w+|investisseu\w+|collègues|membres|propriétaires|acheteu\w+|
    visiteu\w+|gens|personnes|nouveaux_venus|novices?|adultes|adolescent\w*|ados|bénévoles|
    candidat\w*|recruteu\w+|conseil|direction|analystes?|scientifiques|chercheu\w+|
    non-spécialistes|profanes)""",
    "de": r"""publikum zielgruppe leser\w* leserschaft geschrieben_für richtet_sich_an gerichtet_an
    zugeschnitten_auf (?:die|der)_(?:es_|ihn_|sie_)?lesen kenntnisstand wissensstand
    nicht-technisch\w* anfänger\w* expert\w* junior\w* senior\w* ton tonfall stimme
    für_(?:\w+_){0,3}?\w*(?:nutzer\w*|benutzer\w*|kunden|kundinnen|team\w*|ingenieur\w*|entwickler\w*|
    studierende\w*|studenten|schüler\w*|einsteiger\w*|manager\w*|führungskräfte|stakeholder\w*|
    eltern|kinder\w*|patient\w*|mitarbeitende\w*|mitarbeiter\w*|personal|belegschaft|gründer\w*|
    investor\w*|kolleg\w*|mitglieder\w*|eigentümer\w*|käufer\w*|besucher\w*|leute|menschen|
    neulinge|erwachsene\w*|jugendliche\w*|teenager|ehrenamtliche\w*|freiwillige\w*|bewerber\w*|
    kandidat\w*|recruiter\w*|vorstand|geschäftsleitung|analyst\w*|wissenschaftler\w*|forscher\w*|
    laien)""",
    "es": r"""público audiencia lector\w* escrit[oa]_para dirigid[oa]_a destinad[oa]_a
    quien(?:es)?_(?:lo_|la_)?lea(?:n)? nivel_de_(?:conocimientos?|experiencia) no_técnic[oa]s?
    principiante\w* expert[oa]s? junior\w* sénior\w* senior\w* tono voz
    para_(?:\w+_){0,3}?(?:usuari\w+|clientes?|equipos?|ingenier\w+|desarrollador\w*|estudiantes|
    gerentes|directiv[oa]s|ejecutiv[oa]s|partes_interesadas|padres|niñ[oa]s|pacientes|personal|
    emplead[oa]s|fundador\w*|inversor\w*|colegas|miembros|propietari[oa]s|compradores|
    visitantes|gente|personas|recién_llegad[oa]s|novat[oa]s|adult[oa]s|adolescentes|
    voluntari[oa]s|candidat[oa]s|reclutador\w*|junta|dirección|analistas|científic[oa]s|
    investigador\w*|no_especialistas|legos|consejo)""",
    "it": r"""pubblico lettor[ei] lettric[ei] scritt[oa]_per rivolt[oa]_a destinat[oa]_a
    chi_(?:lo_|la_)?legge livello_di_competenza non_tecnic\w* principiant[ei] espert[oaie]
    junior senior tono voce
    per_(?:\w+_){0,3}?(?:utent[ei]|clienti|team|squadr[ae]|ingegneri|sviluppatori|studenti|
    manager|dirigenti|stakeholder|genitori|bambini|pazienti|personale|dipendenti|fondatori|
    investitori|colleghi|membri|proprietari|acquirenti|visitatori|gente|persone|nuovi_arrivati|
    novizi|adulti|adolescenti|ragazzi|volontari|candidati|recruiter|consiglio|direzione|analisti|
    scienziati|ricercatori|non_specialisti|profani)""",
    "pt": r"""público audiência leitor\w* escrit[oa]_para dirigid[oa]_a destinad[oa]_a
    quem_(?:o_|a_)?(?:vai_)?ler nível_de_(?:conhecimento|especialização) não_técnic[oa]s?
    iniciante\w* especialista\w* júnior junior sénior sênior senior tom voz
    para_(?:\w+_){0,3}?(?:utilizador\w*|usuári[oa]s|clientes|equipas?|equipes?|engenheir[oa]s|
    desenvolvedor\w*|programador\w*|estudantes|alunos|gestor\w*|gerentes|executiv[oa]s|
    partes_interessadas|pais|crianças|pacientes|pessoal|funcionári[oa]s|colaborador\w*|
    fundador\w*|investidor\w*|colegas|membros|proprietári[oa]s|donos|compradores|visitantes|
    gente|pessoas|recém-chegad[oa]s|novatos|adultos|adolescentes|voluntári[oa]s|candidat[oa]s|
    recrutador\w*|conselho|direção|administração|analistas|cientistas|pesquisador\w*|
    investigador\w*|não_especialistas|leigos)""",
    "nl": r"""publiek doelgroep lezer\w* geschreven_voor gericht_op bedoeld_voor die_(?:het_)?lez\w+
    kennisniveau niet-technisch\w* beginner\w* expert\w* deskundige\w* junior senior toon stem
    voor_(?:\w+_){0,3}?\w*(?:gebruikers|klanten|team\w*|ingenieurs|ontwikkelaars|studenten|
    leerlingen|managers|leidinggevenden|bestuurders|stakeholders|belanghebbenden|ouders|kinderen|
    patiënten|personeel|medewerkers|werknemers|oprichters|investeerders|collega's|leden|
    eigenaren|eigenaars|kopers|bezoekers|mensen|nieuwkomers|volwassenen|tieners|jongeren|
    vrijwilligers|kandidaten|recruiters|bestuur|directie|leiding|analisten|wetenschappers|
    onderzoekers|niet-specialisten|leken)""",
}
# Deciding left to the model: as you see fit, at your discretion, your judgement, up to you, of your
# choice, you think/find/consider, seems right/sensible, makes sense, works best, if/where
# appropriate or needed, if it helps, whatever suits you, choose a ... that works, a sensible length.
_DELEGATION = {
    "fr": r"""comme_bon_(?:te|vous)_semble à_(?:ta|votre)_discrétion (?:ton|votre)_(?:propre_)?jugement
    à_(?:toi|vous)_de_(?:voir|décider|choisir) c'est_(?:à_toi|à_vous)_de_(?:voir|décider)
    (?:de_)?(?:ton|votre)_choix au_choix
    (?:tu|vous|nous)_(?:penses|pensez|pensons|trouves|trouvez|trouvons|juges|jugez|jugeons|
    estimes|estimez|estimons|crois|croyez|croyons|considères|considérez|considérons)
    (?:te_|vous_)?(?:semble|semblent|paraît|paraissent)_(?:le_plus_)?(?:juste|bien|naturel\w*|
    sensé\w*|raisonnable\w*|approprié\w*|utile\w*|mieux|meilleur\w*|probable\w*|typique\w*|
    judicieu\w*|pertinent\w*|prometteu\w*|important\w*|adapté\w*)
    (?:a|ait)_(?:le_plus_)?(?:de_)?sens (?:fonctionne|marche)_(?:le_)?(?:mieux|bien)
    (?:si|là_où|où|quand|lorsque)_(?:c'est_|cela_(?:est|semble)_|ça_semble_|il_est_)?(?:approprié|
    nécessaire|pertinent|applicable|utile|justifié|requis|possible) si_besoin au_besoin
    le_cas_échéant si_(?:tu_penses|vous_pensez|ça_aide|cela_aide)
    partout_où_(?:cela|ça)_(?:aide|a_du_sens|est_utile) quel(?:le)?s?_que_soi(?:en)?t
    (?:ce_qui|ce_que)_(?:te|vous)_(?:semble|convient|paraît) comme_(?:tu_veux|vous_voulez|
    tu_préfères|vous_préférez)
    (?:choisis|choisissez|choisir|décide|décidez|décider|détermine|déterminez|déterminer)_(?:le|la|
    les|un|une|quel\w*|comment|si|ce_qui)(?:_\w+){0,3}?_(?:qui|que|te|vous|convient|
    convenable\w*|adapté\w*|approprié\w*|raisonnable\w*|judicieu\w*|mieux|meilleur\w*)
    (?:longueur|nombre|quantité|niveau|seuil|valeurs?|limite|taille|fenêtre|format|ton|structure|
    paramètres?|réglages?|politique|budget|rythme|détail|proportion|profondeur|durée|délai|
    moment)_(?:raisonnable|sensée?|adaptée?|appropriée?|convenable|adéquate?|typique|standard|
    habituel(?:le)?|judicieu(?:x|se)|correcte?)
    (?:bon|bonne|juste)_(?:longueur|nombre|niveau|seuil|taille|format|ton|structure|rythme|
    équilibre|profondeur|durée)""",
    "de": r"""wie_(?:du_es|sie_es)_für_richtig_(?:hältst|halten) nach_belieben
    nach_(?:deinem|ihrem|eigenem)_ermessen (?:dein|ihr)(?:em|en|es)?_(?:eigene[ns]?_)?urteil\w*
    (?:dir|ihnen)_überlassen liegt_bei_(?:dir|ihnen) entscheide_selbst entscheiden_sie_selbst
    (?:nach_)?(?:deiner|ihrer)_wahl nach_wahl
    (?:du|wir)_(?:denkst|denken|findest|finden|hältst|halten|meinst|meinen|glaubst|glauben)
    (?:richtig|natürlich|sinnvoll\w*|vernünftig\w*|angemessen\w*|nützlich\w*|am_besten|
    wahrscheinlich\w*|typisch\w*|klug|lohnend\w*|hilfreich\w*|passend\w*|vielversprechend\w*|
    wichtig\w*|geeignet\w*)_(?:erscheint|scheint|wirkt|aussieht)
    sinn_(?:ergibt|macht|hat) (?:am_besten|gut)_funktioniert funktioniert_(?:am_besten|gut)
    (?:wenn|falls|wo|wann|soweit|sofern)_(?:es_)?(?:angemessen|nötig|notwendig|erforderlich|
    relevant|zutreffend|nützlich|hilfreich|sinnvoll|möglich|angebracht)
    wenn_(?:du_denkst|sie_denken|es_hilft) überall,?_wo_es_(?:hilft|sinn_macht|nützlich_ist)
    (?:was|welche[sn]?|wie)_(?:auch_)?immer was_(?:dir|ihnen)_(?:passt|gefällt|am_besten)
    wie_(?:du|sie)_(?:willst|wollen|möchtest|möchten)
    (?:wähle|wählen|entscheide|entscheiden|bestimme|bestimmen|finde|finden)_(?:sie_)?(?:eine[nmrs]?|
    die|den|das|welche[nmrs]?|wie|ob)(?:_\w+){0,3}?,?_(?:die|der|das|passt|passend\w*|geeignet\w*|
    angemessen\w*|sinnvoll\w*|vernünftig\w*|am_besten|richtig\w*)
    (?:sinnvoll|vernünftig|geeignet|angemessen|passend|richtig|typisch|standard|üblich|adäquat)\w*_(?:länge|
    anzahl|zahl|menge|niveau|schwelle\w*|schwellenwert\w*|wert\w*|grenze\w*|limit\w*|größe|
    fenster|format|ton|tonfall|struktur|standard\w*|einstellung\w*|richtlinie\w*|budget|tempo|
    detail\w*|detailgrad|verhältnis|tiefe|zeit\w*|zeitpunkt)""",
    "es": r"""como_(?:mejor_)?(?:te|le)_parezca a_(?:tu|su)_(?:entera_)?discreción a_(?:tu|su)_criterio
    (?:tu|su)_(?:propio_|mejor_)?(?:criterio|juicio) depende_de_ti como_quieras
    (?:de_)?(?:tu|su)_elección a_elegir creas consideres estimes juzgues
    (?:tú|usted|nosotros)_(?:crees|cree|creemos|piensas|piensa|pensamos|consideras|considera|
    consideramos) (?:te_|le_)?(?:parezca|parece|resulte|resulta)_(?:más_)?(?:correct[oa]|natural|
    sensat[oa]|razonable|apropiad[oa]|adecuad[oa]|útil|mejor|probable|típic[oa]|prudente|
    conveniente|oportun[oa]|prometedor[a]?|importante)
    (?:tenga|tiene)_(?:más_)?sentido funcione_(?:mejor|bien) funciona_mejor
    (?:si|donde|cuando|según)_(?:sea|resulte|parezca)_(?:apropiado|necesario|pertinente|relevante|
    aplicable|útil|conveniente|requerido|posible) si_(?:es|hace)_(?:necesario|falta)
    cuando_proceda según_corresponda si_(?:crees|cree|ayuda)
    (?:dondequiera_que|allí_donde)_(?:ayude|tenga_sentido|sea_útil)
    (?:lo_que|como|cualquiera_que)_(?:quieras|prefieras|te_parezca|le_parezca|te_convenga|
    funcione)
    (?:elige|elija|elegir|escoge|escoja|decide|decida|decidir|determina|determine)_(?:un|una|el|la|
    los|las|qué|cuál|cómo|si)(?:_\w+){0,3}?_(?:que|te|le|funcione|encaje|sea|mejor|adecuad[oa]|
    apropiad[oa]|razonable|sensat[oa])
    (?:longitud|extensión|número|cantidad|nivel|umbral|valor(?:es)?|límite|tamaño|ventana|formato|
    tono|estructura|configuración|ajustes|política|presupuesto|ritmo|detalle|proporción|
    profundidad|tiempo|momento)_(?:sensat[oa]s?|razonable\w*|adecuad[oa]s?|apropiad[oa]s?|
    correct[oa]s?|típic[oa]s?|estándar|habitual\w*|idóne[oa]s?)""",
    "it": r"""come_(?:ti|le)_sembra_(?:meglio|giusto) come_meglio_(?:credi|crede)
    a_(?:tua|sua)_discrezione (?:il_)?(?:tuo|suo)_(?:miglior_)?giudizio sta_a_te decidi_tu
    (?:a|di)_(?:tua|sua)_scelta a_scelta ritieni ritenga ritenete credi creda pensi consideri
    giudichi (?:ti_|le_)?(?:sembra|sembri|pare|paia|risulta|risulti)_(?:più_)?(?:giust[oa]|
    natural[ei]|sensat[oa]|ragionevol[ei]|appropriat[oa]|adatt[oa]|util[ei]|meglio|migliore|
    probabil[ei]|tipic[oa]|saggi[oa]|opportun[oa]|promettent[ei]|important[ei])
    (?:abbia|ha)_(?:più_)?senso funzioni_(?:meglio|bene) funziona_meglio
    (?:se|dove|quando|ove)_(?:è_|sembra_|risulta_)?(?:appropriato|necessario|pertinente|
    rilevante|applicabile|utile|opportuno|richiesto|possibile) se_serve all'occorrenza
    se_(?:pensi|credi|ritieni|aiuta) ovunque_(?:aiuti|abbia_senso|sia_utile)
    (?:quello_che|come|qualunque|qualsiasi)_(?:vuoi|preferisci|ti_sembra|ti_pare|ti_convince|
    funziona)
    (?:scegli|scelga|scegliere|decidi|decida|decidere|determina|determini)_(?:un|una|uno|il|la|
    lo|i|le|quale|quali|come|se)(?:_\w+){0,3}?_(?:che|ti|funzioni|sia|migliore|meglio|
    adatt[oaie]|appropriat[oaie]|ragionevol[ei]|sensat[oaie])
    (?:lunghezza|numero|quantità|livello|soglia|valor[ei]|limite|dimensione|finestra|formato|tono|
    struttura|impostazion[ei]|politica|budget|ritmo|dettaglio|proporzione|profondità|tempo|
    tempistica)_(?:sensat[oaie]|ragionevol[ei]|adatt[oaie]|appropriat[oaie]|adeguat[oaie]|
    giust[oaie]|tipic[oaie]|standard|solit[oaie]|abitual[ei]|consuet[oaie])""",
    "pt": r"""como_(?:achar|julgar|entender)_melhor como_bem_entender a_(?:seu|teu)_critério
    à_sua_discrição (?:o_)?(?:seu|teu)_(?:próprio_|melhor_)?(?:julgamento|juízo|critério)
    fica_a_(?:seu|teu)_critério você_decide tu_decides (?:da_|à_)?(?:sua|tua)_escolha
    (?:você|tu|nós)_(?:acha|achas|achamos|pensa|pensas|pensamos|considera|consideras|
    consideramos|julga|julgas|julgamos|acredita|acreditas) ache achar julgar
    (?:lhe_|te_)?(?:pareça|parece|pareçam|parecer)_(?:mais_)?(?:cert[oa]|natural|sensat[oa]|
    razoável|apropriad[oa]|adequad[oa]|útil|melhor|provável|típic[oa]|prudente|oportun[oa]|
    promissor[a]?|importante)
    (?:faça|faz)_(?:mais_)?sentido funcione_(?:melhor|bem) funciona_melhor
    (?:se|onde|quando|conforme)_(?:for|parecer|seja)_(?:apropriado|necessário|pertinente|relevante|
    aplicável|útil|conveniente|exigido|possível) se_necessário quando_necessário
    conforme_necessário se_(?:achar|você_achar|ajudar) onde_quer_que_(?:ajude|faça_sentido|
    seja_útil) (?:o_que|como|qualquer_que)_(?:quiser|preferir|te_parecer|lhe_parecer|funcionar)
    (?:escolha|escolhe|escolher|decida|decide|decidir|determine|determina)_(?:um|uma|o|a|os|as|qual|
    quais|como|se)(?:_\w+){0,3}?_(?:que|te|lhe|funcione|seja|melhor|adequad[oa]|apropriad[oa]|
    razoável|sensat[oa])
    (?:comprimento|extensão|número|quantidade|nível|limiar|valor(?:es)?|limite|tamanho|janela|
    formato|tom|estrutura|configuraç(?:ão|ões)|política|orçamento|ritmo|detalhe|proporção|
    profundidade|tempo|momento)_(?:sensat[oa]s?|razoáve(?:l|is)|adequad[oa]s?|apropriad[oa]s?|
    cert[oa]s?|típic[oa]s?|padrão|habitua(?:l|is))""",
    "nl": r"""zoals_(?:jij|je|u)_(?:dat_|het_)?(?:goed|juist)_(?:vindt|lijkt) naar_eigen_inzicht
    naar_eigen_goeddunken naar_(?:je|uw)_eigen_inzicht (?:je|jouw|uw)_(?:eigen_)?(?:oordeel|
    inschatting|beoordelingsvermogen) aan_(?:jou|u|je)_over laat_ik_aan_(?:jou|u)_over
    naar_keuze (?:je|jouw|uw)_keuze
    (?:je|jij|u|we|wij)_(?:denkt|denk|vindt|vind|acht|beschouwt|gelooft|geloof|meent)
    (?:denk|vind|acht|geloof)_(?:je|jij|u|we)
    (?:lijkt|voelt|oogt)_(?:het_)?(?:meest_)?(?:goed|juist|natuurlijk|verstandig|redelijk|gepast|
    passend|nuttig|best|beste|waarschijnlijk|typisch|wijs|zinvol|handig|veelbelovend|belangrijk)
    (?:goed|juist|verstandig|zinvol|passend|het_beste)_lijkt
    (?:het_meest_)?zinvol_is logisch_is het_beste_werkt goed_werkt werkt_het_best
    (?:als|waar|wanneer|indien|zo)_(?:het_)?(?:gepast|nodig|noodzakelijk|relevant|van_toepassing|
    nuttig|handig|zinvol|vereist|mogelijk) als_(?:je_denkt|u_denkt|het_helpt)
    overal_waar_het_(?:helpt|zinvol_is|nuttig_is) (?:wat|welke|hoe)_(?:je|u)_(?:ook|maar)_(?:wilt|
    wil|vindt) wat_(?:je|u)_(?:wilt|prettig_vindt)
    (?:kies|kiezen|bepaal|bepalen|beslis|beslissen)_(?:een|de|het|welke|wat|hoe|of)(?:_\w+){0,3}?,?_(?:die|
    dat|je|u|past|werkt|geschikt\w*|passend\w*|gepast\w*|redelijk\w*|verstandig\w*|best\w*)
    (?:verstandig|redelijk|geschikt|gepast|passend|juist|typisch|standaard|gebruikelijk|adequa)\w*_(?:lengte|
    aantal|hoeveelheid|niveau|drempel\w*|waarde\w*|limiet|grens|grootte|omvang|venster|formaat|
    opmaak|toon|structuur|standaard\w*|instelling\w*|beleid|budget|tempo|detail\w*|verhouding|
    diepgang|tijd|timing)""",
}

VAGUE_BY_LANGUAGE: dict[str, dict[str, re.Pattern[str]]] = {
    name: {lang: alternation(text) for lang, text in lists.items()}
    for name, lists in (("vague", _VAGUE), ("delegation", _DELEGATION), ("no_audience", _AUDIENCE))
}

__all__ = ["VAGUE_BY_LANGUAGE"]
