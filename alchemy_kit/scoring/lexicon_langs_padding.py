"""Padding cues in French, German, Spanish, Italian, Portuguese and Dutch: faithful translations.

Each list translates the English list of the same name in lexicon.py (BUZZWORDS, INTENSIFIERS,
HEDGES, FILLER): the same concepts, no more and no fewer, with the inflected forms a translator
writes (gender and number, tu/vous, du/Sie, tú/usted). Where a word of the other language is both
the English adverb and a plain adjective ("klar" is "clear" and "clearly", "ehrlich" "honest" and
"honestly"), only its unambiguous forms are listed ("ehrlich gesagt"), so that a translation is
not penalised for an adjective its original does not count. An English idiom with no standard
equivalent ("circle back" in German) is left out rather than guessed. Underscores stand for spaces.
"""

from __future__ import annotations

import re


def _entries(text: str) -> list[str]:
    """Whitespace-separated entries; a line break inside a group "(?:a|\n b)" continues the entry."""
    out: list[str] = []
    depth = 0
    for token in text.split():
        if depth > 0:
            out[-1] += token
        else:
            out.append(token)
        depth += token.count("(") - token.count(")")
    return out


def alternation(text: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching any entry as whole words (underscores are spaces)."""
    entries = sorted((e.replace("_", r"\s+") for e in _entries(text)), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(entries) + r")(?!\w)", re.I | re.M)


_INTENSIFIERS = {
    "fr": "très vraiment extrêmement super absolument réellement hautement incroyablement "
    "totalement étonnamment",
    "de": "sehr wirklich extrem äußerst super absolut wahrhaft höchst unglaublich total völlig "
    "erstaunlich",
    "es": "muy realmente extremadamente súper super absolutamente verdaderamente altamente "
    "increíblemente totalmente asombrosamente",
    "it": "molto davvero veramente estremamente super assolutamente altamente incredibilmente "
    "totalmente sorprendentemente",
    "pt": "muito realmente extremamente super absolutamente verdadeiramente altamente "
    "incrivelmente totalmente surpreendentemente",
    "nl": "zeer heel erg echt extreem uiterst super absoluut werkelijk hoogst ongelooflijk "
    "ongelofelijk totaal verbazingwekkend",
}
_BUZZWORDS = {
    "fr": r"""synergi\w* tirer_parti capitalis\w*_sur de_pointe à_la_pointe avant-gardiste\w*
    de_classe_mondiale de_niveau_mondial meilleur\w*_de_sa_catégorie dernier_cri
    niveau_supérieur change_la_donne changer_la_donne paradigme\w* changement_de_paradigme
    holisti\w* disrupti\w* innovant\w* innovation\w* sans_accroc\w* sans_couture sans_friction
    robuste\w* évolutif évolutive évolutifs évolutives scalable\w* révolutionnaire\w*
    bonnes_pratiques meilleures_pratiques leadership_éclairé critique_pour_la_mission
    valeur_ajoutée autonomis\w* responsabilis\w* informations_exploitables insights_actionnables
    plongée_en_profondeur faire_bouger_les_lignes fruits_à_portée_de_main revenir_vers_(?:toi|vous)
    de_premier_ordre meilleurs_talents rockstar ninja licorne boost\w* suralimente\w*
    libére?r?_(?:tout_)?(?:le|son|leur|votre|ton)_(?:plein_)?potentiel sublim\w* rehauss\w*
    transformat(?:eur|rice|eurs|rices) le_monde_(?:de|du|des) paysage_\w+_dynamique
    en_(?:constante|perpétuelle)_évolution en_évolution_(?:constante|perpétuelle) trépidant\w*
    excellent\w* remarquable\w* exceptionnel\w* incroyable\w* génial\w* géniaux fantastique\w*
    formidable\w* époustouflant\w* de_haute_qualité de_qualité_supérieure haut_de_gamme premium
    engageant\w* captivant\w* convaincant\w* percutant\w* impactant\w*""",
    "de": r"""synergie\w* synergetisch\w* hebeln hebelwirkung modernste\w* hochmodern\w*
    weltklasse klassenbeste\w* branchenführend\w* neuesten_stand_der_technik state-of-the-art
    nächste[ns]?_level next-level bahnbrechend\w* wegweisend\w* game-?changer paradigm\w*
    ganzheitlich\w* holistisch\w* disruptiv\w* innovativ\w* innovation\w* nahtlos\w* robust\w*
    skalierbar\w* revolutionär\w* best_practices? bewährte_(?:verfahren|praktiken)
    vordenkertum geschäftskritisch\w* missionskritisch\w* mehrwert\w* befähig\w* ermächtig\w*
    umsetzbare_erkenntnisse handlungsrelevante_erkenntnisse deep_dive
    tief_hängende_früchte niedrig_hängende_früchte erstklassig\w* spitzenklasse top-talente
    spitzentalente rockstar ninja einhorn potenzial_(?:voll_)?(?:entfalten|freisetzen|ausschöpfen)
    transformativ\w* die_welt_de[rs] dynamisch\w*_(?:landschaft|umfeld)
    sich_ständig_(?:ändernd|wandelnd|weiterentwickelnd)\w* schnelllebig\w* exzellent\w*
    hervorragend\w* herausragend\w* außergewöhnlich\w* überragend\w* erstaunliche\w*
    großartig\w* fantastisch\w* phantastisch\w* unglaubliche\w* hochwertig\w* premium
    ansprechend\w* fesselnd\w* mitreißend\w* überzeugend\w* wirkungsvoll\w* wirkungsstark\w*""",
    "es": r"""sinergi\w* aprovechar apalanc\w* de_vanguardia vanguardista\w* de_última_generación
    de_clase_mundial de_talla_mundial el_mejor_de_su_clase de_próximo_nivel de_otro_nivel
    revoluciona\w* cambia_las_reglas_del_juego paradigma\w* cambio_de_paradigma holístic\w*
    disruptiv\w* innovador\w* innovaci(?:ón|ones) fluid[oa]s? sin_fisuras robust[oa]s? escalable\w*
    revolucionari[oa]s? mejores_prácticas buenas_prácticas liderazgo_de_pensamiento
    de_misión_crítica crític[oa]s?_para_el_negocio valor_añadido valor_agregado empoder\w*
    información_accionable insights_accionables análisis_en_profundidad inmersión_profunda
    mover_la_aguja fruta_madura frutos?_al_alcance_de_la_mano retomar_el_tema de_primer_nivel
    de_primera mejor_talento talento_de_primer_nivel rockstar ninja unicornio potenci\w*_al_máximo
    turbo\w* liberar_(?:todo_)?(?:el|su|tu)_potencial elev(?:a|ar|e)_(?:tu|su|la|el)\w*
    transformador\w* el_mundo_de(?:l)? panorama_\w+_dinámico entorno_dinámico
    en_constante_(?:cambio|evolución) en_continua_evolución vertiginos[oa]s? trepidante\w*
    excelente\w* sobresaliente\w* excepcional\w* estelar\w* asombros[oa]s? increíble\w*
    fantástic[oa]s? impresionante\w* de_alta_calidad de_primera_calidad premium atractiv[oa]s?
    cautivador\w* convincente\w* impactante\w*""",
    "it": r"""sinergi\w* fare_leva sfrutta\w* all'avanguardia d'avanguardia di_livello_mondiale
    di_classe_mondiale il_migliore_della_categoria migliore_della_sua_categoria stato_dell'arte
    di_ultima_generazione di_livello_superiore rivoluziona\w* cambia_le_regole_del_gioco
    paradigma\w* cambio_di_paradigma olistic\w* dirompent[ei] disruptiv[oaie] innovativ[oaie]
    innovazion[ei] senza_soluzione_di_continuità fluid[oaie] robust[oaie] scalabil[ei]
    rivoluzionari[oaie]? migliori_pratiche buone_pratiche best_practice thought_leadership
    mission-critical critic[oaie]_per_il_business valore_aggiunto responsabilizza\w*
    insight_azionabili approfondimento_dettagliato spostare_l'ago_della_bilancia
    frutti_a_portata_di_mano ci_risentiamo di_prim'ordine di_alto_livello migliori_talenti rockstar
    ninja unicorno potenzia\w* turbo\w* liberare_(?:tutto_)?il_(?:tuo_|suo_)?potenziale eleva\w*
    trasformativ[oaie] trasformazional[ei] il_mondo_(?:del|della|dei|delle) panorama_\w+_dinamico
    in_continua_evoluzione in_costante_evoluzione frenetic[oaie] eccellent[ei] straordinari[oaie]?
    eccezional[ei] stellar[ei] incredibil[ei] fantastic[oaie] fantastich[ei] strepitos[oaie]
    di_alta_qualità di_qualità_superiore premium coinvolgent[ei] avvincent[ei] convincent[ei]
    d'impatto di_grande_impatto""",
    "pt": r"""sinergi\w* alavanc\w* de_ponta de_vanguarda de_classe_mundial de_nível_mundial
    o_melhor_da_categoria estado_da_arte de_última_geração de_outro_nível de_próximo_nível
    revoluciona\w* muda_as_regras_do_jogo paradigma\w* mudança_de_paradigma holístic[oa]s?
    disruptiv[oa]s? inovador\w* inova(?:ção|ções) fluid[oa]s? sem_atritos sem_falhas robust[oa]s?
    escalável escaláveis revolucionári[oa]s? melhores_práticas boas_práticas
    liderança_de_pensamento de_missão_crítica crític[oa]s?_para_o_negócio valor_acrescentado
    valor_agregado empoder\w* insights_acionáveis informações_acionáveis mergulho_profundo
    análise_aprofundada mover_o_ponteiro frutos?_ao_alcance_da_mão retomar_o_assunto de_primeira
    de_primeira_linha melhores_talentos rockstar ninja unicórnio potencializ\w* turbin\w*
    libertar_(?:todo_)?o_(?:seu_|teu_)?potencial liberar_(?:todo_)?o_(?:seu_|teu_)?potencial
    eleve\w* elevar transformador\w* o_mundo_(?:do|da|dos|das) panorama_\w+_dinâmico
    em_constante_(?:mudança|evolução) em_permanente_evolução acelerad[oa]s? frenétic[oa]s?
    excelente\w* extraordinári[oa]s? excepcional\w* excecional\w* estelar\w* incrível incríveis
    fantástic[oa]s? espetacular\w* de_alta_qualidade de_qualidade_superior premium
    envolvente\w* cativante\w* convincente\w* impactante\w*""",
    "nl": r"""synergie\w* hefboom\w* benutten geavanceerd\w* baanbrekend\w* van_wereldklasse
    wereldklasse beste_in_(?:zijn|haar)_klasse state-of-the-art allernieuwste next-level
    gamechanger\w* paradigma\w* paradigmaverschuiving holistisch\w* disruptie\w* disruptief\w*
    innovatief\w* innovatie\w* naadloo?s\w* robuust\w* schaalba\w* revolutionair\w*
    best_practices? beste_praktijken thought_leadership bedrijfskritisch\w* missiekritisch\w*
    toegevoegde_waarde meerwaarde empower\w* bekrachtig\w* bruikbare_inzichten
    uitvoerbare_inzichten deep_dive diepgaande_duik laaghangend_fruit hoogwaardig\w*
    topkwaliteit toptalent rockster rockstar ninja eenhoorn turbo\w* volledige_potentieel
    potentieel_(?:benutten|ontsluiten|vrijmaken) naar_een_hoger_niveau transformatief\w*
    de_wereld_van dynamisch\w*_landschap voortdurend_veranderend\w* steeds_veranderend\w*
    snel_veranderend\w* hectisch\w* excellent\w* uitstekend\w* uitzonderlijk\w* voortreffelijk\w*
    geweldig\w* fantastisch\w* ongelooflijke ongelofelijke prachtig\w* premium boeiend\w*
    pakkend\w* overtuigend\w* impactvol\w* indrukwekkend\w*""",
}
_HEDGES = {
    "fr": r"""peut-être éventuellement possiblement si_possible si_(?:tu_peux|vous_pouvez)
    essaie_de essayez_de essayer_de tente_de tentez_de tenter_de tu_pourrais_peut-être
    vous_pourriez_peut-être tu_pourrais_vouloir vous_pourriez_vouloir idéalement
    avec_un_peu_de_chance j'espère_que quelque_peu plus_ou_moins grosso_modo""",
    "de": r"""vielleicht eventuell möglicherweise wenn_möglich falls_möglich
    wenn_(?:du_kannst|sie_können) versuche versuch versuchen_sie könntest_du_vielleicht
    könnten_sie_vielleicht möchtest_du_vielleicht möchten_sie_vielleicht idealerweise
    hoffentlich einigermaßen mehr_oder_weniger grob_gesagt""",
    "es": r"""quizás quizá tal_vez posiblemente si_es_posible si_(?:puedes|puede) intenta intente
    intentar_de trata_de trate_de podrías_quizás podría_quizás tal_vez_quieras tal_vez_quiera
    idealmente ojalá con_suerte un_tanto más_o_menos a_grandes_rasgos""",
    "it": r"""forse magari possibilmente se_possibile se_(?:puoi|può) prova_a provi_a cerca_di
    cerchi_di tenta_di tenti_di potresti_forse potrebbe_forse potresti_voler potrebbe_voler
    idealmente auspicabilmente si_spera alquanto più_o_meno grosso_modo""",
    "pt": r"""talvez possivelmente se_possível se_(?:puder|conseguir) tente tenta_de procure
    procura_de tentar poderia_talvez talvez_queira idealmente com_sorte espero_que um_tanto
    mais_ou_menos grosso_modo""",
    "nl": r"""misschien wellicht mogelijkerwijs indien_mogelijk zo_mogelijk als_het_kan
    als_je_kunt als_u_kunt probeer probeert_u proberen_om je_zou_misschien u_zou_misschien
    je_zou_eventueel idealiter hopelijk enigszins min_of_meer grofweg ruwweg""",
}
_FILLER = {
    "fr": r"""il_est_(?:très_|vraiment_|extrêmement_|absolument_)?(?:important|essentiel|crucial|vital|
    capital|primordial|critique)_(?:que|de) assure-toi_(?:que|de) assurez-vous_(?:que|de) veille_à
    veillez_à aimablement afin_de autant_que_possible le_plus_possible du_mieux_que_(?:tu_peux|
    vous_pouvez) en_fin_de_compte au_bout_du_compte inutile_de_dire il_va_sans_dire
    cela_va_sans_dire avant_tout en_premier_lieu merci(?:_beaucoup|_d'avance|_par_avance)?
    j'aimerais(?:_bien|_vraiment)?_que je_voudrais_que nous_aimerions_que nous_voudrions_que
    n'hésite_pas_à n'hésitez_pas_à fais_de_ton_mieux faites_de_votre_mieux prends_ton_temps
    prenez_votre_temps un_tas_de plein_de beaucoup_de toute_une_gamme_de toute_une_série_de
    toutes_sortes_de et_ainsi_de_suite et_plus_encore et_(?:tout_)?le_reste et_d'autres_choses
    tu_sais vous_savez fondamentalement essentiellement littéralement honnêtement franchement
    en_fait évidemment clairement en_termes_de en_ce_qui_concerne pour_ce_qui_est_de
    quand_il_s'agit_de le_fait_que (?:vraiment|très)_(?:bon|bonne|bons|bonnes|bien|génial|
    important|importante|importants|importantes)""",
    "de": r"""es_ist_(?:sehr_|wirklich_|äußerst_|extrem_|absolut_)?(?:wichtig|wesentlich|
    entscheidend|unerlässlich|kritisch),?_dass stelle?_sicher,?_dass stellen_sie_sicher,?_dass
    achte_darauf achten_sie_darauf sorge_dafür sorgen_sie_dafür freundlicherweise
    so_(?:viel|gut)_wie_möglich nach_bestem_(?:wissen|vermögen|können) letzten_endes
    am_ende_des_tages unnötig_zu_sagen es_versteht_sich_von_selbst zuallererst
    (?:danke(?:_schön|_sehr|_im_voraus)?|vielen_dank) ich_hätte_gern(?:e)?,?_dass
    ich_möchte,?_dass ich_würde_mich_freuen,?_wenn wir_möchten,?_dass fühl_dich_frei
    fühlen_sie_sich_frei gib_dein_bestes geben_sie_ihr_bestes tu_dein_bestes lass_dir_zeit
    nimm_dir_zeit nehmen_sie_sich_zeit eine_(?:ganze_)?(?:menge|reihe|vielzahl)_(?:an|von)?
    jede_menge alle_möglichen allerlei und_so_weiter und_so_fort und_mehr
    und_(?:andere|sonstige)_dinge und_sonstiges weißt_du wissen_sie im_grunde(?:_genommen)?
    im_wesentlichen buchstäblich ehrlich_gesagt eigentlich tatsächlich offensichtlich
    offenkundig in_bezug_auf hinsichtlich bezüglich wenn_es_um die_tatsache,?_dass
    (?:wirklich|sehr)_(?:gut|gute|guten|guter|gutes|toll|tolle|tollen|schön|schöne|schönen|wichtig|
    wichtige|wichtigen)""",
    "es": r"""es_(?:muy_|realmente_|extremadamente_|absolutamente_)?(?:importante|esencial|crucial|
    vital|fundamental|crítico)_que asegúrate_de asegúrese_de amablemente con_el_fin_de a_fin_de
    tanto_como_(?:puedas|pueda|sea_posible) lo_más_posible lo_mejor_que_(?:puedas|pueda)
    al_fin_y_al_cabo a_fin_de_cuentas ni_que_decir_tiene huelga_decir no_hace_falta_decir
    ante_todo (?:muchas_)?gracias(?:_de_antemano|_por_adelantado)? me_gustaría(?:_mucho)?_que
    quisiera_que nos_gustaría_que siéntete_libre_de siéntase_libre_de no_dudes_en no_dude_en
    haz_lo_mejor_que_puedas da_lo_mejor_de_ti tómate_tu_tiempo tómese_su_tiempo un_montón_de
    una_gran_cantidad_de una_amplia_gama_de toda_una_serie_de todo_tipo_de
    y_así_sucesivamente y_más y_demás y_otras_cosas ya_sabes básicamente esencialmente
    literalmente honestamente sinceramente en_realidad obviamente claramente evidentemente
    en_términos_de con_respecto_a en_cuanto_a cuando_se_trata_de el_hecho_de_que
    (?:realmente|muy)_(?:bueno|buena|buenos|buenas|genial|bonito|bonita|importante|importantes)""",
    "it": r"""è_(?:molto_|davvero_|estremamente_|assolutamente_)?(?:importante|essenziale|cruciale|
    vitale|fondamentale|critico)_che assicurati_(?:che|di) si_assicuri_(?:che|di) gentilmente
    al_fine_di in_modo_da il_più_possibile quanto_più_possibile al_meglio_delle_tue_capacità
    meglio_che_puoi alla_fine_dei_conti in_fin_dei_conti inutile_dire va_da_sé prima_di_tutto
    innanzitutto innanzi_tutto grazie(?:_mille|_in_anticipo)? vorrei(?:_davvero)?_che
    mi_piacerebbe_che vorremmo_che ci_piacerebbe_che sentiti_liber[oa]_di non_esitare_a
    fai_del_tuo_meglio faccia_del_suo_meglio dai_il_massimo prenditi_(?:tutto_)?il_tempo
    si_prenda_il_tempo un_sacco_di un_mucchio_di una_serie_di una_gamma_di ogni_sorta_di
    tutti_i_tipi_di e_così_via e_altro e_altre_cose e_quant'altro fondamentalmente
    essenzialmente sostanzialmente letteralmente onestamente sinceramente in_realtà
    effettivamente ovviamente chiaramente evidentemente in_termini_di per_quanto_riguarda
    riguardo_a quando_si_tratta_di il_fatto_che (?:davvero|molto)_(?:buon[oaie]|bell[oaie]|
    ottim[oaie]|important[ei])""",
    "pt": r"""é_(?:muito_|realmente_|extremamente_|absolutamente_)?(?:importante|essencial|crucial|
    vital|fundamental|crítico)_que certifique-se_de certifica-te_de garanta_que gentilmente
    a_fim_de de_modo_a o_máximo_possível tanto_quanto_possível da_melhor_forma_possível
    o_melhor_que_puder no_fim_das_contas afinal_de_contas escusado_será_dizer
    nem_é_preciso_dizer é_desnecessário_dizer antes_de_mais_nada em_primeiro_lugar
    (?:muito_)?obrigad[oa](?:_desde_já)? agradeço_desde_já gostaria(?:_muito)?_que queria_que
    gostaríamos_que sinta-se_à_vontade_para fique_à_vontade_para não_hesite_em faça_o_seu_melhor
    dê_o_seu_melhor faz_o_teu_melhor não_tenha_pressa leve_o_tempo_que_precisar um_monte_de
    uma_série_de uma_gama_de uma_grande_quantidade_de todo_tipo_de e_assim_por_diante e_mais
    e_outras_coisas basicamente essencialmente literalmente honestamente sinceramente
    na_verdade na_realidade obviamente claramente evidentemente em_termos_de
    no_que_diz_respeito_a com_relação_a em_relação_a quando_se_trata_de o_fato_de o_facto_de
    (?:realmente|muito)_(?:bom|boa|bons|boas|ótim[oa]s?|bonit[oa]s?|importantes?)""",
    "nl": r"""het_is_(?:zeer_|heel_|echt_|erg_|uiterst_|absoluut_)?(?:belangrijk|essentieel|cruciaal|
    van_vitaal_belang|kritiek)_dat zorg_(?:ervoor_)?dat let_erop_dat teneinde zoveel_mogelijk
    zo_veel_mogelijk naar_(?:je|uw)_beste_vermogen zo_goed_als_je_kunt
    aan_het_eind(?:e)?_van_de_dag per_saldo het_spreekt_voor_zich vanzelfsprekend
    eerst_en_vooral allereerst bovenal dank_(?:je|u)(?:_wel)? bedankt(?:_alvast)? alvast_bedankt
    ik_zou_(?:het_)?graag_willen_dat we_zouden_graag_willen_dat voel_je_vrij_om aarzel_niet_om
    doe_je_best doe_uw_best doe_je_uiterste_best neem_je_tijd neem_de_tijd neem_uw_tijd
    een_heleboel een_hoop een_reeks een_scala_aan allerlei allerhande alle_soorten enzovoort
    enzovoorts en_zo_verder en_meer en_andere_dingen en_dergelijke weet_je zeg_maar eigenlijk
    in_wezen in_principe letterlijk eerlijk_gezegd feitelijk uiteraard overduidelijk
    in_termen_van met_betrekking_tot wat_betreft als_het_gaat_om het_feit_dat
    (?:echt|heel|erg|zeer)_(?:goed|goede|geweldig|geweldige|mooi|mooie|leuk|leuke|belangrijk|
    belangrijke)""",
}

PADDING_BY_LANGUAGE: dict[str, dict[str, re.Pattern[str]]] = {
    name: {lang: alternation(text) for lang, text in lists.items()}
    for name, lists in (
        ("intensifiers", _INTENSIFIERS),
        ("buzzwords", _BUZZWORDS),
        ("hedges", _HEDGES),
        ("filler", _FILLER),
    )
}

__all__ = ["PADDING_BY_LANGUAGE", "alternation"]
