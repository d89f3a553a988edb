/*
 * corpus.c - the benchmark corpus: N valid hrdex documents of every type,
 * deterministic for a seed, written in canonical form as the publisher
 * branches hold them: OUT/<publisher>/<type>/<id>.json, attachments in
 * OUT/<publisher>/<type>/<id>.files/<name>.
 *
 *   corpus [-n N] [-f FIRST] [-p PUBLISHERS] [-s SEED] -o DIR
 *
 * writes documents FIRST .. FIRST+N-1 (default 0 .. 99999) and prints facts
 * about them on stdout, one "key=value" a line, that the benchmark uses to
 * check answers (the ref most documents cite, the word of the full-text
 * query and how many documents hold it, ...).
 *
 * Document i depends only on the seed and i (its own random stream), never
 * on N: the corpus of N documents is the first N of any larger one, and
 * "-f N -n 1" gives the one document that comes next.  Links only point to
 * earlier documents.  Publishers take turns (i mod PUBLISHERS).
 *
 * What it looks like: titles and texts in the six UN languages (English in
 * 95% of documents, each other language in about a third; the texts of one
 * document are translations of each other), sizes mostly 1-8 KiB (log-
 * uniform), 2.5% 8-32 KiB and 0.5% 100-300 KiB (all six languages), about
 * 1% with one or two attachments of 4-256 KiB (incompressible, like PDFs),
 * and every hundredth document with the same 20 KiB annex (one blob at many
 * paths, as when guidelines are annexed to many documents).
 * Types: 20% decisions, 30% recommendations, 10% reports, 15% events, 5%
 * visits, 5% practices, 15% notes.
 *
 * The controlled answers (printed as expect_*):
 *   - text_word ("intimidation") is written only into the English summary,
 *     of about 3% of the documents; no other text holds it;
 *   - filter: decisions whose countries include filter_country (KEN); a
 *     decision's states are always among its countries;
 *   - hot_ref: the first report; about 2% of later documents cite it (links,
 *     follow-up steps, a visit's report).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_WORD "intimidation"
#define FILTER_COUNTRY "KEN"
#define MAX_TEXT 60000 /* bytes of one language's text; the schema allows 65536 characters */

/* ---- a seeded random stream per document (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Independent streams: the start is a hash of (seed, i, stream), so that no
 * stream is another one shifted by a few draws. */
static void rng_init(struct rng *r, uint64_t seed, uint64_t i, uint64_t stream)
{
	r->s = mix64(mix64(mix64(seed) ^ i) + stream * 0xD1342543DE82EF95ULL);
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static double unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int chance(struct rng *r, double p)
{
	return unit(r) < p;
}

/* ---- vocabulary ---- */

enum { AR, EN, ES, FR, RU, ZH, NLANG };
static const char *const langs[NLANG] = { "ar", "en", "es", "fr", "ru", "zh" };

enum { DECISION, RECOMMENDATION, REPORT, EVENT, VISIT, PRACTICE, NOTE, NTYPE };
static const char *const types[NTYPE] = { "decision", "recommendation", "report", "event",
					  "visit", "practice", "note" };
static const unsigned type_weight[NTYPE] = { 20, 30, 10, 15, 5, 5, 15 };

static const struct {
	const char *id, *name, *url;
} publishers[] = {
	{ "ohchr", "Office of the United Nations High Commissioner for Human Rights",
	  "https://www.ohchr.org/en/documents/" },
	{ "achpr", "African Commission on Human and Peoples' Rights", "https://achpr.au.int/en/documents/" },
	{ "iachr", "Inter-American Commission on Human Rights", "https://www.oas.org/en/iachr/docs/" },
	{ "coe", "Council of Europe Commissioner for Human Rights", "https://www.coe.int/en/web/commissioner/-/" },
	{ "corteidh", "Inter-American Court of Human Rights", "https://www.corteidh.or.cr/docs/" },
	{ "aichr", "ASEAN Intergovernmental Commission on Human Rights", "https://aichr.org/documents/" },
	{ "echr", "European Court of Human Rights", "https://hudoc.echr.coe.int/eng/" },
	{ "acerwc", "African Committee of Experts on the Rights and Welfare of the Child",
	  "https://www.acerwc.africa/en/documents/" },
};

/* Title templates per type and language; %s is a topic. */
static const char *const title_tpl[NTYPE][NLANG] = {
	{ "قرار بشأن %s", "Resolution on %s", "Resolución sobre %s", "Résolution sur %s",
	  "Резолюция по вопросу %s", "关于%s的决议" },
	{ "توصية بشأن %s", "Recommendation on %s", "Recomendación sobre %s", "Recommandation sur %s",
	  "Рекомендация по вопросу %s", "关于%s的建议" },
	{ "تقرير عن %s", "Report on %s", "Informe sobre %s", "Rapport sur %s", "Доклад по вопросу %s",
	  "关于%s的报告" },
	{ "حلقة عمل إقليمية بشأن %s", "Regional workshop on %s", "Taller regional sobre %s",
	  "Atelier régional sur %s", "Региональный семинар по вопросу %s", "关于%s的区域讲习班" },
	{ "زيارة قطرية بشأن %s", "Country visit on %s", "Visita al país sobre %s", "Visite de pays sur %s",
	  "Посещение страны по вопросу %s", "关于%s的国别访问" },
	{ "ممارسة جيدة بشأن %s", "Good practice on %s", "Buena práctica sobre %s", "Bonne pratique sur %s",
	  "Передовая практика по вопросу %s", "关于%s的良好做法" },
	{ "بيان صحفي بشأن %s", "Press release on %s", "Comunicado de prensa sobre %s",
	  "Communiqué de presse sur %s", "Пресс-релиз по вопросу %s", "关于%s的新闻稿" },
};

static const char *const topics[][NLANG] = {
	{ "المدافعين عن حقوق الإنسان", "human rights defenders", "las personas defensoras de derechos humanos",
	  "les défenseurs des droits de l'homme", "правозащитников", "人权维护者" },
	{ "حرية التعبير", "freedom of expression", "la libertad de expresión", "la liberté d'expression",
	  "свободы выражения мнений", "言论自由" },
	{ "حقوق المرأة", "the rights of women", "los derechos de las mujeres", "les droits des femmes",
	  "прав женщин", "妇女权利" },
	{ "حقوق الطفل", "the rights of the child", "los derechos del niño", "les droits de l'enfant",
	  "прав ребенка", "儿童权利" },
	{ "التعذيب وسوء المعاملة", "torture and ill-treatment", "la tortura y los malos tratos",
	  "la torture et les mauvais traitements", "пыток и жестокого обращения", "酷刑和虐待" },
	{ "حالات الاختفاء القسري", "enforced disappearances", "las desapariciones forzadas",
	  "les disparitions forcées", "насильственных исчезновений", "强迫失踪" },
	{ "حقوق المهاجرين", "the rights of migrants", "los derechos de los migrantes", "les droits des migrants",
	  "прав мигрантов", "移民权利" },
	{ "حرية التجمع السلمي", "freedom of peaceful assembly", "la libertad de reunión pacífica",
	  "la liberté de réunion pacifique", "свободы мирных собраний", "和平集会自由" },
	{ "الشعوب الأصلية", "indigenous peoples", "los pueblos indígenas", "les peuples autochtones",
	  "коренных народов", "土著人民" },
	{ "عقوبة الإعدام", "the death penalty", "la pena de muerte", "la peine de mort", "смертной казни",
	  "死刑" },
	{ "المؤسسات الوطنية لحقوق الإنسان", "national human rights institutions",
	  "las instituciones nacionales de derechos humanos", "les institutions nationales des droits de l'homme",
	  "национальных правозащитных учреждений", "国家人权机构" },
	{ "الأشخاص ذوي الإعاقة", "persons with disabilities", "las personas con discapacidad",
	  "les personnes handicapées", "инвалидов", "残疾人" },
	{ "الأعمال التجارية وحقوق الإنسان", "business and human rights", "las empresas y los derechos humanos",
	  "les entreprises et les droits de l'homme", "предпринимательской деятельности и прав человека",
	  "工商业与人权" },
	{ "البيئة", "the environment", "el medio ambiente", "l'environnement", "окружающей среды", "环境" },
	{ "الوصول إلى العدالة", "access to justice", "el acceso a la justicia", "l'accès à la justice",
	  "доступа к правосудию", "诉诸司法" },
	{ "مشاركة المجتمع المدني", "civil society participation", "la participación de la sociedad civil",
	  "la participation de la société civile", "участия гражданского общества", "公民社会参与" },
};

/* Sentences, translations of one another across a row. */
static const char *const sentences[][NLANG] = {
	{ "تعرب الآلية عن بالغ قلقها إزاء الحالة الموصوفة في البلاغات الواردة خلال الفترة قيد الاستعراض.",
	  "The mechanism expresses deep concern at the situation described in the communications received during the period under review.",
	  "El mecanismo expresa su profunda preocupación por la situación descrita en las comunicaciones recibidas durante el período examinado.",
	  "Le mécanisme exprime sa profonde préoccupation face à la situation décrite dans les communications reçues au cours de la période considérée.",
	  "Механизм выражает глубокую обеспокоенность положением, описанным в сообщениях, полученных за отчетный период.",
	  "该机制对审查期间收到的来文所述情况深表关切。" },
	{ "وتدعو الدول إلى اعتماد وتنفيذ تشريعات تعترف بعمل المعنيين وتحميه.",
	  "It calls on States to adopt and implement legislation that recognises and protects the work of those concerned.",
	  "Exhorta a los Estados a adoptar y aplicar legislación que reconozca y proteja la labor de las personas concernidas.",
	  "Il invite les États à adopter et à appliquer une législation qui reconnaisse et protège le travail des personnes concernées.",
	  "Он призывает государства принять и применять законодательство, признающее и защищающее работу соответствующих лиц.",
	  "它呼吁各国通过并实施承认和保护有关人员工作的立法。" },
	{ "ويتناول التقرير الإطار القانوني والممارسة المؤسسية والعقبات التي يواجهها الضحايا في الحصول على الإنصاف.",
	  "The report examines the legal framework, institutional practice and the obstacles faced by victims in obtaining redress.",
	  "El informe examina el marco jurídico, la práctica institucional y los obstáculos que enfrentan las víctimas para obtener reparación.",
	  "Le rapport examine le cadre juridique, la pratique institutionnelle et les obstacles que rencontrent les victimes pour obtenir réparation.",
	  "В докладе рассматриваются правовая база, институциональная практика и препятствия, с которыми сталкиваются жертвы при получении возмещения.",
	  "报告审查了法律框架、机构做法以及受害者在获得补救方面面临的障碍。" },
	{ "وقدمت منظمات المجتمع المدني مساهمات خطية وشاركت في المشاورات التي عقدت في المنطقة.",
	  "Civil society organisations contributed written submissions and took part in the consultations held in the region.",
	  "Las organizaciones de la sociedad civil presentaron contribuciones escritas y participaron en las consultas celebradas en la región.",
	  "Les organisations de la société civile ont présenté des contributions écrites et pris part aux consultations tenues dans la région.",
	  "Организации гражданского общества представили письменные материалы и приняли участие в консультациях, проведенных в регионе.",
	  "民间社会组织提交了书面材料，并参加了在该区域举行的磋商。" },
	{ "ويطلب إلى الدولة تقديم معلومات عن التدابير المتخذة في غضون ستة أشهر.",
	  "The State is requested to provide information on the measures taken within six months.",
	  "Se solicita al Estado que informe sobre las medidas adoptadas en un plazo de seis meses.",
	  "L'État est prié de fournir des informations sur les mesures prises dans un délai de six mois.",
	  "Государству предлагается в течение шести месяцев представить информацию о принятых мерах.",
	  "请该国在六个月内提供关于所采取措施的资料。" },
	{ "وتم تحديد التعاون بين الأمم المتحدة والآليات الإقليمية وسيلةً لتعزيز المتابعة.",
	  "Cooperation between the United Nations and regional mechanisms was identified as a means to strengthen follow-up.",
	  "La cooperación entre las Naciones Unidas y los mecanismos regionales se identificó como un medio para reforzar el seguimiento.",
	  "La coopération entre l'Organisation des Nations Unies et les mécanismes régionaux a été reconnue comme un moyen de renforcer le suivi.",
	  "Сотрудничество между Организацией Объединенных Наций и региональными механизмами было определено как средство укрепления последующей деятельности.",
	  "联合国与区域机制之间的合作被确定为加强后续行动的一种手段。" },
	{ "وتشير الوثيقة إلى الأحكام ذات الصلة من الصكوك الدولية والإقليمية لحقوق الإنسان.",
	  "The document recalls the relevant provisions of international and regional human rights instruments.",
	  "El documento recuerda las disposiciones pertinentes de los instrumentos internacionales y regionales de derechos humanos.",
	  "Le document rappelle les dispositions pertinentes des instruments internationaux et régionaux relatifs aux droits de l'homme.",
	  "В документе напоминается о соответствующих положениях международных и региональных договоров в области прав человека.",
	  "该文件回顾了国际和区域人权文书的有关规定。" },
	{ "ويولى اهتمام خاص لحالة النساء والأطفال والأشخاص الذين يعيشون أوضاعاً هشة.",
	  "Particular attention is given to the situation of women, children and persons in vulnerable situations.",
	  "Se presta especial atención a la situación de las mujeres, los niños y las personas en situación de vulnerabilidad.",
	  "Une attention particulière est accordée à la situation des femmes, des enfants et des personnes en situation de vulnérabilité.",
	  "Особое внимание уделяется положению женщин, детей и лиц, находящихся в уязвимом положении.",
	  "特别关注妇女、儿童和处境脆弱者的状况。" },
	{ "وتبادل المشاركون الممارسات الجيدة واتفقوا على جدول مشترك للأنشطة للعام المقبل.",
	  "Participants exchanged good practices and agreed on a joint calendar of activities for the coming year.",
	  "Los participantes intercambiaron buenas prácticas y acordaron un calendario conjunto de actividades para el próximo año.",
	  "Les participants ont échangé des bonnes pratiques et sont convenus d'un calendrier commun d'activités pour l'année à venir.",
	  "Участники обменялись передовым опытом и согласовали совместный календарь мероприятий на следующий год.",
	  "与会者交流了良好做法，并商定了来年的联合活动日历。" },
	{ "وترحب اللجنة بالخطوات التي اتخذتها السلطات لكنها تلاحظ أن التنفيذ لا يزال متفاوتاً.",
	  "The commission welcomes the steps taken by the authorities but notes that implementation remains uneven.",
	  "La comisión acoge con satisfacción las medidas adoptadas por las autoridades, pero observa que la aplicación sigue siendo desigual.",
	  "La commission salue les mesures prises par les autorités mais note que la mise en œuvre reste inégale.",
	  "Комиссия приветствует шаги, предпринятые властями, однако отмечает, что осуществление остается неравномерным.",
	  "委员会欢迎当局采取的步骤，但注意到执行情况仍不平衡。" },
	{ "وتظهر البيانات التي جمعت أثناء الزيارة ثغرات مستمرة بين القانون وتطبيقه في الممارسة العملية.",
	  "Data collected during the visit show persistent gaps between the law and its application in practice.",
	  "Los datos recogidos durante la visita muestran brechas persistentes entre la ley y su aplicación en la práctica.",
	  "Les données recueillies pendant la visite montrent des écarts persistants entre la loi et son application dans la pratique.",
	  "Данные, собранные в ходе посещения, свидетельствуют о сохраняющемся разрыве между законом и его применением на практике.",
	  "访问期间收集的数据显示，法律与实践中的适用之间始终存在差距。" },
	{ "والتوصيات موجهة إلى السلطة التنفيذية والسلطة التشريعية والسلطة القضائية والمؤسسات الوطنية لحقوق الإنسان.",
	  "The recommendations are addressed to the executive, the legislature, the judiciary and national human rights institutions.",
	  "Las recomendaciones se dirigen al poder ejecutivo, al legislativo, al judicial y a las instituciones nacionales de derechos humanos.",
	  "Les recommandations s'adressent à l'exécutif, au législatif, au judiciaire et aux institutions nationales des droits de l'homme.",
	  "Рекомендации адресованы исполнительной, законодательной и судебной властям, а также национальным правозащитным учреждениям.",
	  "这些建议是向行政、立法、司法部门以及国家人权机构提出的。" },
};

/* The only sentence holding TEXT_WORD; English summaries only. */
static const char word_sentence[] =
	"The mechanism condemns every act of " TEXT_WORD " and reprisal against persons cooperating with it.";

static const char *const activities[][3] = { /* en, es, fr */
	{ "Meetings with the authorities", "Reuniones con las autoridades", "Réunions avec les autorités" },
	{ "Meetings with civil society organisations", "Reuniones con organizaciones de la sociedad civil",
	  "Réunions avec les organisations de la société civile" },
	{ "Visit to places of detention", "Visita a lugares de detención", "Visite de lieux de détention" },
	{ "Press conference presenting the preliminary observations",
	  "Conferencia de prensa sobre las observaciones preliminares",
	  "Conférence de presse sur les observations préliminaires" },
};

/* Weighted: FILTER_COUNTRY three times. */
static const char *const countries[] = {
	"KEN", "KEN", "KEN", "HND", "HND", "MEX", "MEX", "COL", "BRA", "GTM", "PER", "ARG", "CHL", "UGA",
	"RWA", "NGA", "ZAF", "EGY", "ETH", "SDN", "CMR", "SEN", "COD", "TZA", "ZWE", "FRA", "DEU", "TUR",
	"RUS", "UKR", "POL", "HUN", "IDN", "PHL", "THA", "MMR", "KHM", "VNM", "CHN", "IND", "PAK", "CHE",
	"USA", "GMB", "CRI",
};

static const struct {
	const char *city, *country, *venue;
} cities[] = {
	{ "Geneva", "CHE", "Palais des Nations" },   { "Banjul", "GMB", "Kairaba Beach Hotel" },
	{ "Washington", "USA", "OAS headquarters" }, { "San José", "CRI", "Court headquarters" },
	{ "Strasbourg", "FRA", "Palais de l'Europe" }, { "Jakarta", "IDN", "ASEAN Secretariat" },
	{ "Nairobi", "KEN", "United Nations Office at Nairobi" }, { "Kigali", "RWA", "Kigali Convention Centre" },
	{ "Bangkok", "THA", "United Nations Conference Centre" }, { "Addis Ababa", "ETH", "African Union Commission" },
	{ "Mexico City", "MEX", "Secretariat of Foreign Affairs" }, { "Tegucigalpa", "HND", "Presidential House" },
};

static const char *const themes[] = {
	"human-rights-defenders", "women-human-rights-defenders", "civil-society", "reprisals", "participation",
	"freedom-of-expression", "freedom-of-assembly", "freedom-of-association", "access-to-information",
	"journalists", "women", "gender-equality", "children", "persons-with-disabilities",
	"persons-with-albinism", "indigenous-peoples", "minorities", "migrants", "refugees",
	"internally-displaced-persons", "lgbti", "older-persons", "torture", "death-penalty",
	"extrajudicial-executions", "enforced-disappearances", "economic-social-cultural-rights",
	"business-and-human-rights", "environment", "land-rights", "terrorism", "follow-up", "cooperation",
	"regional-arrangements", "national-human-rights-institutions",
};

static const char *const groups[] = {
	"women", "human-rights-defenders", "women-human-rights-defenders", "children", "persons-with-disabilities",
	"indigenous-peoples", "minorities", "migrants", "refugees", "journalists", "civil-society",
};

static const char *const rels[] = { "cites", "follows-up", "implements", "responds-to", "related", "part-of" };
static const char *const decision_kinds[] = { "judgment", "admissibility", "provisional-measures",
					      "precautionary-measures", "resolution", "opinion", "decision",
					      "communication" };
static const char *const outcomes[] = { "violation", "no-violation", "inadmissible", "admissible",
					"friendly-settlement", "struck-out", "adopted", "granted", "other" };
static const char *const rec_status[] = { "not-started", "in-progress", "partially-implemented", "implemented",
					  "not-implemented", "unknown" };
static const char *const sdg[] = { "16.10", "5.1", "16.a", "10.2", "16.3", "4.7", "1.3", "5.2", "16.b" };
static const char *const report_kinds[] = { "annual", "thematic", "country", "mission", "activity", "periodic",
					    "shadow", "other" };
static const char *const event_kinds[] = { "session", "workshop", "consultation", "hearing", "meeting",
					   "seminar", "training", "panel", "other" };
static const char *const event_status[] = { "scheduled", "postponed", "cancelled", "held" };
static const char *const visit_status[] = { "requested", "accepted", "scheduled", "completed", "postponed",
					    "cancelled" };
static const char *const note_kinds[] = { "announcement", "press-release", "information", "correspondence",
					  "other" };
static const char *const areas[] = { "protection against reprisals", "follow-up of recommendations",
				     "cooperation with civil society", "joint country visits",
				     "information sharing between mechanisms" };
static const char *const instruments[] = { "African Charter on Human and Peoples' Rights",
					   "American Convention on Human Rights",
					   "European Convention on Human Rights",
					   "International Covenant on Civil and Political Rights",
					   "Convention against Torture", "Declaration on Human Rights Defenders" };

#define PICK(r, a) ((a)[below((r), ARRAY_SIZE(a))])

/* ---- dates (days since 1970-01-01, proleptic Gregorian) ---- */

static long days_from_civil(int y, unsigned m, unsigned d)
{
	unsigned yoe, doy, doe;
	int era;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long)era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, char out[40])
{
	long era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, 40, "%04ld-%02u-%02u", y, m, d);
}

/* ---- a document's head: what other documents need to cite it ---- */

struct head {
	unsigned pub, type;
	long day;         /* the document's date */
	char id[48];
	char ref[96];
};

static uint64_t seed;
static unsigned npub;

static void doc_head(struct head *h, unsigned i)
{
	struct rng r;
	unsigned t = 0, w = below((rng_init(&r, seed, i, 0), &r), 100), acc = 0;
	char date[40];

	while (t < NTYPE - 1 && w >= acc + type_weight[t])
		acc += type_weight[t++];
	h->pub = i % npub;
	h->type = t;
	h->day = days_from_civil(1995, 1, 1) + (long)below(&r, 31 * 365);
	civil_from_days(h->day, date);
	switch (t) {
	case DECISION: snprintf(h->id, sizeof(h->id), "res-%u-%.4s", i, date); break;
	case RECOMMENDATION: snprintf(h->id, sizeof(h->id), "rec-%u", i); break;
	case REPORT: snprintf(h->id, sizeof(h->id), "report-%u-%.4s", i, date); break;
	case EVENT: snprintf(h->id, sizeof(h->id), "event-%u-%.7s", i, date); break;
	case VISIT: snprintf(h->id, sizeof(h->id), "visit-%u-%.4s", i, date); break;
	case PRACTICE: snprintf(h->id, sizeof(h->id), "practice-%u", i); break;
	default: snprintf(h->id, sizeof(h->id), "note-%u-%.10s", i, date); break;
	}
	snprintf(h->ref, sizeof(h->ref), "%s/%s/%s", publishers[h->pub].id, types[t], h->id);
}

/* ---- building documents ---- */

static void die(const char *what)
{
	fprintf(stderr, "corpus: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
	exit(1);
}

static cJSON *add(cJSON *obj, const char *key, cJSON *v)
{
	if (!v || !cJSON_AddItemToObject(obj, key, v))
		die("out of memory");
	return v;
}

static cJSON *str(const char *s)
{
	cJSON *v = cJSON_CreateString(s);

	if (!v)
		die("out of memory");
	return v;
}

static cJSON *date_str(long day)
{
	char d[40];

	civil_from_days(day, d);
	return str(d);
}

static void push(cJSON *arr, cJSON *v)
{
	if (!cJSON_AddItemToArray(arr, v))
		die("out of memory");
}

/* A language map with one text per language of mask (bit per language). */
static cJSON *langmap(unsigned mask, char *const text[NLANG])
{
	cJSON *m = cJSON_CreateObject();
	int l;

	for (l = 0; l < NLANG; l++)
		if (mask & (1u << l))
			add(m, langs[l], str(text[l]));
	return m;
}

struct texts {
	struct hrdex_buf b[NLANG];
};

static void texts_clear(struct texts *t)
{
	int l;

	for (l = 0; l < NLANG; l++)
		hrdex_buf_clear(&t->b[l]);
}

/* Append sentence s (a row) in every language of mask; returns bytes added. */
static size_t texts_add(struct texts *t, unsigned mask, unsigned s)
{
	size_t n = 0;
	int l;

	for (l = 0; l < NLANG; l++) {
		if (!(mask & (1u << l)))
			continue;
		/* Chinese sentences follow each other without a space */
		if (t->b[l].len && l != ZH && hrdex_buf_putc(&t->b[l], ' ') < 0)
			die("out of memory");
		if (hrdex_buf_puts(&t->b[l], sentences[s][l]) < 0)
			die("out of memory");
		n += strlen(sentences[s][l]) + 1;
	}
	return n;
}

static cJSON *texts_map(struct texts *t, unsigned mask)
{
	char *v[NLANG];
	int l;

	for (l = 0; l < NLANG; l++)
		v[l] = t->b[l].ptr;
	return langmap(mask, v);
}

/* Fill t with sentences until about want bytes, each language at most MAX_TEXT. */
static void texts_fill(struct texts *t, struct rng *r, unsigned mask, size_t want)
{
	size_t have = 0, longest;
	int l;

	do {
		have += texts_add(t, mask, below(r, ARRAY_SIZE(sentences)));
		for (longest = 0, l = 0; l < NLANG; l++)
			if (t->b[l].len > longest)
				longest = t->b[l].len;
	} while (have < want && longest + 400 < MAX_TEXT);
}

struct facts {
	unsigned long docs, with_word, filter_hits, citers, attachments;
	unsigned long long bytes, attachment_bytes;
	unsigned long by_size[4];   /* < 1 KiB, 1-8 KiB, 8-100 KiB, >= 100 KiB */
	unsigned long by_type[NTYPE];
	struct head hot;            /* the first report */
	unsigned hot_index;
	int have_hot;
};

static struct facts facts;

/* The cited-by-many report: the first report of the corpus, whatever FIRST. */
static void find_hot(void)
{
	unsigned i;

	for (i = 0; i < 1000; i++) {
		doc_head(&facts.hot, i);
		if (facts.hot.type == REPORT) {
			facts.hot_index = i;
			facts.have_hot = 1;
			return;
		}
	}
}

/* A ref of an earlier document (i > 0). */
static void earlier_ref(struct rng *r, unsigned i, struct head *out)
{
	doc_head(out, below(r, i));
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

/* The annex every hundredth document carries, the same bytes each time (a
 * network's guidelines annexed to many documents): one blob, many paths. */
static void shared_annex(cJSON *list, const struct head *h, const char *dir)
{
	static unsigned char data[20480];
	static char hex[65];
	static int made;
	cJSON *a = cJSON_CreateObject();
	char path[4400];

	if (!made) {
		struct rng r;
		unsigned char digest[32];
		size_t j;

		rng_init(&r, 0, 0, 3);
		memcpy(data, "%PDF-1.7\n", 9);
		for (j = 9; j < sizeof(data); j++)
			data[j] = (unsigned char)rng_next(&r);
		crypto_hash_sha256(digest, data, sizeof(data));
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		made = 1;
	}
	add(a, "bytes", cJSON_CreateNumber((double)sizeof(data)));
	add(a, "media_type", str("application/pdf"));
	add(a, "name", str("guidelines-focal-points.pdf"));
	add(a, "sha256", str(hex));
	push(list, a);
	snprintf(path, sizeof(path), "%s/%s.files", dir, h->id);
	if (hrdex_fs_mkdirs(path, 0755) < 0)
		die(hrdex_error_message());
	snprintf(path, sizeof(path), "%s/%s.files/guidelines-focal-points.pdf", dir, h->id);
	write_file(path, data, sizeof(data));
	facts.attachments++;
	facts.attachment_bytes += sizeof(data);
}

static void make_attachments(cJSON *doc, const struct head *h, const char *dir, unsigned i)
{
	struct rng r;
	unsigned k, n, lang;
	cJSON *list = add(doc, "attachments", cJSON_CreateArray());
	char path[4400], name[96], hex[65];
	unsigned char digest[32], *data;
	size_t size, j;

	rng_init(&r, seed, i, 2);
	n = 1 + below(&r, 2);
	lang = below(&r, NLANG);
	snprintf(path, sizeof(path), "%s/%s.files", dir, h->id);
	if (hrdex_fs_mkdirs(path, 0755) < 0)
		die(hrdex_error_message());
	for (k = 0; k < n; k++) {
		cJSON *a = cJSON_CreateObject();

		size = (size_t)(4096.0 * (1u << (unsigned)(unit(&r) * 6.0))) + below(&r, 4096);
		if (!(data = malloc(size)))
			die("out of memory");
		memcpy(data, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15);
		for (j = 15; j + 8 <= size; j += 8) {
			uint64_t x = rng_next(&r);

			memcpy(data + j, &x, 8);
		}
		for (; j < size; j++)
			data[j] = (unsigned char)rng_next(&r);
		snprintf(name, sizeof(name), "%s-%s%s.pdf", h->id, langs[(lang + k) % NLANG], k ? "-annex" : "");
		crypto_hash_sha256(digest, data, size);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		add(a, "bytes", cJSON_CreateNumber((double)size));
		add(a, "media_type", str("application/pdf"));
		add(a, "name", str(name));
		add(a, "sha256", str(hex));
		push(list, a);
		snprintf(path, sizeof(path), "%s/%s.files/%s", dir, h->id, name);
		write_file(path, data, size);
		facts.attachments++;
		facts.attachment_bytes += size;
		free(data);
	}
}

static int is_hot(const char *ref)
{
	return facts.have_hot && !strcmp(ref, facts.hot.ref);
}

static void make_doc(const char *out, unsigned i, struct hrdex_buf *json, struct texts *tx)
{
	struct head h, other;
	struct rng r;
	cJSON *doc = cJSON_CreateObject(), *arr, *o;
	unsigned mask = 0, ncountries, k, topic, l;
	const char *cs[3];
	char dir[4096], path[4200], title[NLANG][512], *tv[NLANG];
	double size_class;
	size_t want, base;
	int cites_hot = 0, has_word = 0, big;

	doc_head(&h, i);
	rng_init(&r, seed, i, 1);
	if (!doc)
		die("out of memory");
	texts_clear(tx);

	/* languages: English mostly, others a third each; big documents all six */
	size_class = unit(&r);
	big = size_class >= 0.995;
	for (l = 0; l < NLANG; l++)
		if (big || (l == EN ? chance(&r, 0.95) : chance(&r, 0.35)))
			mask |= 1u << l;
	if (!mask)
		mask = 1u << (1 + below(&r, NLANG - 1)) % NLANG;
	if (size_class < 0.97)
		want = (size_t)(1024.0 * (1u << (unsigned)(unit(&r) * 3.0)) * (1.0 + unit(&r)));
	else if (!big)
		want = (size_t)(8192.0 * (1.0 + 3.0 * unit(&r)));
	else
		want = (size_t)(102400.0 * (1.0 + 2.0 * unit(&r)));

	add(doc, "id", str(h.id));
	add(doc, "type", str(types[h.type]));
	add(doc, "publisher", str(publishers[h.pub].id));
	add(doc, "date", date_str(h.day));
	topic = below(&r, ARRAY_SIZE(topics));
	for (l = 0; l < NLANG; l++) {
		const char *y = cJSON_GetObjectItemCaseSensitive(doc, "date")->valuestring;

		snprintf(title[l], sizeof(title[l]), title_tpl[h.type][l], topics[topic][l]);
		snprintf(title[l] + strlen(title[l]), sizeof(title[l]) - strlen(title[l]), " (%.4s)", y);
		tv[l] = title[l];
	}
	add(doc, "title", langmap(mask, tv));
	arr = add(doc, "languages", cJSON_CreateArray());
	for (l = 0; l < NLANG; l++)
		if (mask & (1u << l))
			push(arr, str(langs[l]));
	snprintf(path, sizeof(path), "%s%s", publishers[h.pub].url, h.id);
	add(doc, "url", str(path));

	ncountries = chance(&r, 0.85) ? 1 + below(&r, 3) : 0;
	for (k = 0; k < ncountries; k++) {
		unsigned j;

		cs[k] = PICK(&r, countries);
		for (j = 0; j < k; j++)
			if (!strcmp(cs[j], cs[k]))
				break;
		if (j < k) {
			ncountries = k; /* a repeat: stop here */
			break;
		}
	}
	if (ncountries) {
		arr = add(doc, "countries", cJSON_CreateArray());
		for (k = 0; k < ncountries; k++)
			push(arr, str(cs[k]));
	}
	arr = add(doc, "themes", cJSON_CreateArray());
	{
		unsigned a = below(&r, ARRAY_SIZE(themes)), n = 1 + below(&r, 3);

		for (k = 0; k < n; k++)
			push(arr, str(themes[(a + k * 7) % ARRAY_SIZE(themes)]));
	}

	/* links: to earlier documents, sometimes to the much-cited report */
	if (i > 0 && chance(&r, 0.4)) {
		unsigned n = 1 + below(&r, 3);

		char seen[3][96];

		arr = add(doc, "links", cJSON_CreateArray());
		for (k = 0; k < n; k++) {
			const char *rel = PICK(&r, rels);
			unsigned j;

			o = cJSON_CreateObject();
			add(o, "rel", str(rel));
			if (chance(&r, 0.1)) {
				snprintf(seen[k], sizeof(seen[k]), "https://www.ohchr.org/en/hr-bodies/hrc/session%u", k);
				add(o, "url", str(seen[k]));
			} else {
				earlier_ref(&r, i, &other);
				snprintf(seen[k], sizeof(seen[k]), "%s", other.ref);
				for (j = 0; j < k; j++)
					if (!strcmp(seen[j], seen[k]))
						break;
				if (j < k) { /* the same target twice: links are unique */
					cJSON_Delete(o);
					seen[k][0] = '\0';
					continue;
				}
				add(o, "ref", str(other.ref));
				cites_hot |= is_hot(other.ref);
			}
			push(arr, o);
		}
	}
	if (facts.have_hot && i > facts.hot_index && chance(&r, 0.02) && !cites_hot) {
		arr = cJSON_GetObjectItemCaseSensitive(doc, "links");
		if (!arr)
			arr = add(doc, "links", cJSON_CreateArray());
		o = cJSON_CreateObject();
		add(o, "rel", str("cites"));
		add(o, "ref", str(facts.hot.ref));
		push(arr, o);
		cites_hot = 1;
	}

	/* the type's own members; fill is the long text */
	const char *fill = "summary";

	switch (h.type) {
	case DECISION:
		add(doc, "kind", str(PICK(&r, decision_kinds)));
		add(doc, "body", str(publishers[h.pub].name));
		snprintf(path, sizeof(path), "%s/RES/%u (%.4s)", publishers[h.pub].id, i,
			 cJSON_GetObjectItemCaseSensitive(doc, "date")->valuestring);
		add(doc, "number", str(path));
		add(doc, "outcome", str(PICK(&r, outcomes)));
		snprintf(path, sizeof(path), "%uth ordinary session", 20 + below(&r, 60));
		add(doc, "session", str(path));
		if (ncountries) {
			arr = add(doc, "states", cJSON_CreateArray());
			push(arr, str(cs[0]));
			if (chance(&r, 0.3)) {
				snprintf(path, sizeof(path), "Communication %u/%02u", 100 + below(&r, 800),
					 below(&r, 100));
				add(doc, "case", str(path));
			}
		}
		if (chance(&r, 0.4)) {
			cJSON *ins = cJSON_CreateObject(), *arts;

			arr = add(doc, "instruments", cJSON_CreateArray());
			add(ins, "instrument", str(PICK(&r, instruments)));
			arts = add(ins, "articles", cJSON_CreateArray());
			snprintf(path, sizeof(path), "%u", 1 + below(&r, 30));
			push(arts, str(path));
			snprintf(path, sizeof(path), "%u(1)", 31 + below(&r, 30));
			push(arts, str(path));
			push(arr, ins);
		}
		break;
	case RECOMMENDATION:
		fill = "text";
		add(doc, "mechanism", str(publishers[h.pub].id));
		if (ncountries && chance(&r, 0.6))
			add(doc, "addressee", str(cs[0]));
		arr = add(doc, "groups", cJSON_CreateArray());
		k = below(&r, ARRAY_SIZE(groups));
		push(arr, str(groups[k]));
		if (chance(&r, 0.3))
			push(arr, str(groups[(k + 3) % ARRAY_SIZE(groups)]));
		arr = add(doc, "sdg_targets", cJSON_CreateArray());
		push(arr, str(PICK(&r, sdg)));
		add(doc, "status", str(PICK(&r, rec_status)));
		if (chance(&r, 0.4)) {
			unsigned n = 1 + below(&r, 3);

			arr = add(doc, "follow_up", cJSON_CreateArray());
			for (k = 0; k < n; k++) {
				struct texts note;
				unsigned m = 1u << EN | (mask & (1u << FR));

				memset(&note, 0, sizeof(note));
				o = cJSON_CreateObject();
				add(o, "date", date_str(h.day + 90 * (long)(k + 1)));
				add(o, "status", str(PICK(&r, rec_status)));
				texts_add(&note, m, below(&r, ARRAY_SIZE(sentences)));
				add(o, "note", texts_map(&note, m));
				for (l = 0; l < NLANG; l++)
					hrdex_buf_free(&note.b[l]);
				if (i > 0 && chance(&r, 0.5)) {
					earlier_ref(&r, i, &other);
					add(o, "ref", str(other.ref));
					cites_hot |= is_hot(other.ref);
				}
				push(arr, o);
			}
		}
		break;
	case REPORT:
		add(doc, "kind", str(PICK(&r, report_kinds)));
		snprintf(path, sizeof(path), "A/HRC/%u/%u", 20 + below(&r, 40), i);
		add(doc, "symbol", str(path));
		o = add(doc, "period", cJSON_CreateObject());
		add(o, "from", date_str(h.day - 365));
		add(o, "to", date_str(h.day - 1));
		add(doc, "body", str(publishers[h.pub].name));
		snprintf(path, sizeof(path), "%uth session", 20 + below(&r, 40));
		add(doc, "session", str(path));
		break;
	case EVENT: {
		long start = h.day + (long)below(&r, 60), end = start + (long)below(&r, 4);
		unsigned c = below(&r, ARRAY_SIZE(cities));
		char d[40], t[64];

		add(doc, "kind", str(PICK(&r, event_kinds)));
		if (chance(&r, 0.2)) {
			civil_from_days(start, d);
			snprintf(t, sizeof(t), "%sT10:00:00+02:00", d);
			add(doc, "start", str(t));
			snprintf(t, sizeof(t), "%sT18:00:00+02:00", d);
			add(doc, "end", str(t));
		} else {
			add(doc, "start", date_str(start));
			if (end > start)
				add(doc, "end", date_str(end));
		}
		o = add(doc, "place", cJSON_CreateObject());
		add(o, "city", str(cities[c].city));
		add(o, "country", str(cities[c].country));
		add(o, "name", str(cities[c].venue));
		if (chance(&r, 0.3))
			add(o, "online", cJSON_CreateTrue());
		arr = add(doc, "organisers", cJSON_CreateArray());
		push(arr, str(publishers[h.pub].id));
		if (chance(&r, 0.3))
			push(arr, str("African Union"));
		add(doc, "status", str(PICK(&r, event_status)));
		break;
	}
	case VISIT: {
		long start = h.day + 30 + (long)below(&r, 90);
		unsigned n = 2 + below(&r, 4);

		add(doc, "country", str(ncountries ? cs[0] : PICK(&r, countries)));
		add(doc, "mandate", str(publishers[h.pub].name));
		add(doc, "status", str(PICK(&r, visit_status)));
		o = add(doc, "dates", cJSON_CreateObject());
		add(o, "start", date_str(start));
		add(o, "end", date_str(start + n));
		arr = add(doc, "programme", cJSON_CreateArray());
		for (k = 0; k < n; k++) {
			cJSON *p = cJSON_CreateObject(), *act;
			unsigned a = below(&r, ARRAY_SIZE(activities));

			add(p, "date", date_str(start + k));
			add(p, "place", str(PICK(&r, cities).city));
			act = add(p, "activity", cJSON_CreateObject());
			add(act, "en", str(activities[a][0]));
			if (mask & (1u << ES))
				add(act, "es", str(activities[a][1]));
			if (mask & (1u << FR))
				add(act, "fr", str(activities[a][2]));
			push(arr, p);
		}
		if (i > 0 && chance(&r, 0.5)) {
			if (facts.have_hot && i > facts.hot_index && chance(&r, 0.04)) {
				other = facts.hot;
			} else {
				earlier_ref(&r, i, &other);
			}
			if (other.type == REPORT) {
				add(doc, "report", str(other.ref));
				cites_hot |= is_hot(other.ref);
			}
		}
		break;
	}
	case PRACTICE: {
		struct texts more;
		unsigned m = mask;

		fill = "description";
		memset(&more, 0, sizeof(more));
		arr = add(doc, "mechanisms", cJSON_CreateArray());
		push(arr, str(publishers[h.pub].name));
		add(doc, "area", str(PICK(&r, areas)));
		if (chance(&r, 0.5)) {
			texts_add(&more, m, below(&r, ARRAY_SIZE(sentences)));
			add(doc, "results", texts_map(&more, m));
			texts_clear(&more);
		}
		if (chance(&r, 0.3)) {
			texts_add(&more, m, below(&r, ARRAY_SIZE(sentences)));
			add(doc, "lessons", texts_map(&more, m));
		}
		for (l = 0; l < NLANG; l++)
			hrdex_buf_free(&more.b[l]);
		arr = add(doc, "contacts", cJSON_CreateArray());
		o = cJSON_CreateObject();
		add(o, "name", str("Focal point for cooperation with regional mechanisms"));
		add(o, "organisation", str(publishers[h.pub].id));
		snprintf(path, sizeof(path), "focal-point@%s.example.org", publishers[h.pub].id);
		add(o, "email", str(path));
		push(arr, o);
		o = add(doc, "period", cJSON_CreateObject());
		add(o, "from", date_str(h.day - 700));
		break;
	}
	default:
		fill = "body";
		add(doc, "kind", str(PICK(&r, note_kinds)));
		break;
	}

	/* a short summary besides a long text; the word only ever here, in English */
	if (strcmp(fill, "summary") && chance(&r, 0.8)) {
		struct texts s;

		memset(&s, 0, sizeof(s));
		texts_add(&s, mask, below(&r, ARRAY_SIZE(sentences)));
		add(doc, "summary", texts_map(&s, mask));
		for (l = 0; l < NLANG; l++)
			hrdex_buf_free(&s.b[l]);
	}
	if ((mask & (1u << EN)) && chance(&r, 0.03)) {
		cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "summary");
		struct hrdex_buf b = HRDEX_BUF_INIT;
		cJSON *en = s ? cJSON_GetObjectItemCaseSensitive(s, "en") : NULL;

		if (hrdex_buf_puts(&b, word_sentence) < 0 ||
		    (en && (hrdex_buf_putc(&b, ' ') < 0 || hrdex_buf_puts(&b, en->valuestring) < 0)))
			die("out of memory");
		if (!s)
			s = add(doc, "summary", cJSON_CreateObject());
		if (en)
			cJSON_DeleteItemFromObjectCaseSensitive(s, "en");
		add(s, "en", str(b.ptr));
		hrdex_buf_free(&b);
		has_word = 1;
	}

	snprintf(dir, sizeof(dir), "%s/%s/%s", out, publishers[h.pub].id, types[h.type]);
	if (hrdex_fs_mkdirs(dir, 0755) < 0)
		die(hrdex_error_message());
	if (chance(&r, 0.01))
		make_attachments(doc, &h, dir, i);
	if (i % 100 == 3) {
		cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "attachments");

		shared_annex(list ? list : add(doc, "attachments", cJSON_CreateArray()), &h, dir);
	}

	/* grow the long text to the size drawn (the rest of the document counted) */
	hrdex_buf_clear(json);
	if (hrdex_json_canonical(json, doc) < 0)
		die(hrdex_error_message());
	base = json->len;
	if (want > base || strcmp(fill, "summary")) {
		cJSON *old = cJSON_GetObjectItemCaseSensitive(doc, fill);
		size_t need = want > base ? want - base : 1;

		if (old && !strcmp(fill, "summary")) {
			/* keep what is there (the word, if any) in front */
			cJSON *e;

			cJSON_ArrayForEach(e, old) {
				for (l = 0; l < NLANG; l++)
					if (!strcmp(e->string, langs[l]))
						hrdex_buf_puts(&tx->b[l], e->valuestring);
			}
			cJSON_DeleteItemFromObjectCaseSensitive(doc, fill);
		}
		texts_fill(tx, &r, mask, need);
		add(doc, fill, texts_map(tx, mask));
		hrdex_buf_clear(json);
		if (hrdex_json_canonical(json, doc) < 0)
			die(hrdex_error_message());
	}
	snprintf(path, sizeof(path), "%s/%s.json", dir, h.id);
	write_file(path, json->ptr, json->len);

	facts.docs++;
	facts.bytes += json->len;
	facts.by_size[json->len < 1024 ? 0 : json->len < 8192 ? 1 : json->len < 102400 ? 2 : 3]++;
	facts.by_type[h.type]++;
	facts.with_word += has_word;
	facts.citers += cites_hot;
	if (h.type == DECISION)
		for (k = 0; k < ncountries; k++)
			facts.filter_hits += !strcmp(cs[k], FILTER_COUNTRY);
	cJSON_Delete(doc);
}

static unsigned long parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > 100000000ULL) {
		fprintf(stderr, "corpus: bad %s '%s'\n", what, s);
		exit(64);
	}
	return (unsigned long)v;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000, first = 0, i;
	const char *out = NULL;
	struct hrdex_buf json = HRDEX_BUF_INIT;
	struct texts tx;
	int c, l;

	seed = 1;
	npub = 4;
	while ((c = getopt(argc, argv, "n:f:p:s:o:h")) != -1) {
		switch (c) {
		case 'n': n = parse_count(optarg, "count"); break;
		case 'f': first = parse_count(optarg, "first"); break;
		case 'p': npub = (unsigned)parse_count(optarg, "publisher count"); break;
		case 's': seed = parse_count(optarg, "seed"); break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: corpus [-n N] [-f FIRST] [-p PUBLISHERS (1-%zu)] [-s SEED] -o DIR\n",
				ARRAY_SIZE(publishers));
			return c == 'h' ? 0 : 64;
		}
	}
	if (!out || optind != argc || npub < 1 || npub > ARRAY_SIZE(publishers)) {
		fprintf(stderr, "usage: corpus [-n N] [-f FIRST] [-p PUBLISHERS (1-%zu)] [-s SEED] -o DIR\n",
			ARRAY_SIZE(publishers));
		return 64;
	}
	if (sodium_init() < 0)
		die("libsodium");
	if (hrdex_fs_mkdirs(out, 0755) < 0)
		die(hrdex_error_message());
	memset(&tx, 0, sizeof(tx));
	find_hot();
	for (i = first; i < first + n; i++)
		make_doc(out, (unsigned)i, &json, &tx);

	printf("seed=%" PRIu64 "\npublishers=%u\nfirst=%lu\ndocuments=%lu\nbytes=%llu\n", seed, npub, first,
	       facts.docs, facts.bytes);
	printf("size_under_1k=%lu\nsize_1k_8k=%lu\nsize_8k_100k=%lu\nsize_100k_up=%lu\n", facts.by_size[0],
	       facts.by_size[1], facts.by_size[2], facts.by_size[3]);
	for (l = 0; l < NTYPE; l++)
		printf("type_%s=%lu\n", types[l], facts.by_type[l]);
	printf("attachments=%lu\nattachment_bytes=%llu\n", facts.attachments, facts.attachment_bytes);
	printf("text_word=%s\nexpect_text=%lu\n", TEXT_WORD, facts.with_word);
	printf("filter_type=decision\nfilter_country=%s\nexpect_filter=%lu\n", FILTER_COUNTRY, facts.filter_hits);
	printf("hot_ref=%s\nexpect_backrefs=%lu\n", facts.hot.ref, facts.citers);
	hrdex_buf_free(&json);
	for (l = 0; l < NLANG; l++)
		hrdex_buf_free(&tx.b[l]);
	return 0;
}
