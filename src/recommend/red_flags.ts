/**
 * Red flags: descriptions that must answer `emergency` whatever the model says, in every
 * supported language. A rule is a list of groups written "a|b & c|d": it fires when every group
 * has an alternative in the text. Alternatives are folded like symptom text (normalize.ts) and
 * match whole words at their start, so "सीने" matches "सीने में" and "கடி" matches "கடிச்சிடுச்சு";
 * a multi-word alternative must appear as consecutive words, and one ending in "=" must match whole
 * words (विष=, poison, but not विषय, topic). Rules ask for the risky context
 * (pain *and* arm or sweat; blood *and* not stopping) so a routine complaint that shares one word
 * with an emergency is not flagged.
 */

export const RED_FLAGS = [
  "chest_pain",
  "stroke",
  "breathing",
  "suicidal",
  "snake_bite",
  "poisoning",
  "heavy_bleeding",
  "seizure",
  "infant_fever",
] as const;
export type RedFlag = typeof RED_FLAGS[number];

const CHEST = "chest|सीने|सीना|सीनें|छाती|छातीत|seene|seena|sine|chhati|chati|chest me|বুকে|বুক|buk|" +
  "ఛాతి|ఛాతీ|ఛాతిలో|நெஞ்சு|நெஞ்சில்|nenju|છાતી|છાતીમાં|ಎದೆ|നെഞ്ച്|നെഞ്ചു|നെഞ്ചിൽ|ਛਾਤੀ|ଛାତି|ଛାତିରେ|" +
  "سینے|سینہ|چھاتی|chhatit";
const ARM_JAW_SWEAT =
  "arm|arms|jaw|sweat|sweating|sweaty|हाथ|बांह|बाँह|जबड़|जबडे|पसीना|पसीने|hath|haath|" +
  "bah|jabde|jabda|pasina|pasine|হাত|চোয়াল|ঘাম|చేయి|దవడ|చెమట|हात|हातात|जबड|घाम|கை|கைக்கு|கையில்|கையில|கைல|தாடை|வியர்|vervai|" +
  "હાથ|જડબા|પરસેવો|ಕೈ|ಕೈಗೆ|ಕೈಯಲ್ಲಿ|ದವಡೆ|ಬೆವರು|ಬೆವರ|കൈ|കൈയിലേക്കും|താടി|വിയർ|ਬਾਂਹ|ਜਬਾੜੇ|ਪਸੀਨਾ|ହାତ|ଜହ୍ନି|ଝାଳ|" +
  "بازو|جبڑے|پسینہ|ghaam|hatat";
/** Romanised Tamil "kai" (hand) is Hindi "kai" (several): it counts only beside "nenju". */
const TAMIL_CHEST = "nenju|nenjil|nenjula";
const TAMIL_ARM = "kai|kaiku|kaila|kaiyil|vervai";
const PRESSURE = "pressure|crushing|भारीपन|दबाव|bharipan|চাপ|బరువు|दडपण|அழுத்தம்|દબાણ|ಭಾರ|ഭാരം|" +
  "ਭਾਰ|ଚାପ|بوجھ";

/** Severe: with chest pain, or with difficulty breathing, an emergency whatever else is said. */
const SEVERE = "severe|severely|extreme|unbearable|tez|तेज|तेज़|असहनीय|bahut|बहुत";
const CHEST_PAIN = "chest pain|pain in chest|pain in my chest|सीने में दर्द|सीने में तेज|seene mein dard|" +
  "seene me dard|sine mein dard|sine me dard|seene mein tez|seene me tez|seene mein bahut|" +
  "seene me bahut|chhati mein dard|chhati me dard|छाती में दर्द";
const HARD_TO_BREATHE = "difficulty breathing|breathing difficulty|trouble breathing|" +
  "hard to breathe|struggling to breathe|सांस लेने में|साँस लेने में|saans lene mein|saans lene me|" +
  "sans lene mein|sans lene me";
const LIPS = "lips|lip|होंठ|होठ|honth|hont|ঠোঁট|పెదాలు|పెదవులు|ओठ|உதடு|હોઠ|ತುಟಿ|ചുണ്ട്|ਬੁੱਲ੍ਹ|ଓଠ|ہونٹ";
const BLUE = "blue|नीले|नीला|neele|nile|নীল|నీలం|నీలంగా|निळे|நீலமா|நீல|ભૂરા|ನೀಲಿ|നീലിച്ചു|നീല|ਨੀਲੇ|ନୀଳ|نیلے";
const CANT_BREATHE = "cant breathe|can't breathe|cannot breathe|not able to breathe|gasping|" +
  "दम घुट रहा|दम घुट रही|dam ghut raha|dam ghut rahi|हवा नहीं मिल|hawa nahi mil|" +
  "ఊపిరి అందట్లేదు|ఊపిరి అందడం లేదు|দম বন্ধ হয়ে আস|" +
  "सांस नहीं|साँस नहीं|saans nahi|sans nahi|শ্বাস নিতে পারছে না|শ্বাস নিতে পারছি না|ఊపిరి ఆడట్లేదు|" +
  "ఊపిరి ఆడటం లేదు|श्वास घेता येत नाही|மூச்சு விட முடியல|மூச்சு விட முடியவில்லை|શ્વાસ લઈ શકાતો નથી|" +
  "ಉಸಿರಾಡೋಕೆ ಆಗ್ತಿಲ್ಲ|ಉಸಿರಾಡಲು ಆಗುತ್ತಿಲ್ಲ|ശ്വാസം കിട്ടുന്നില്ല|ਸਾਹ ਨਹੀਂ ਆ|ਸਾਹ ਨਹੀਂ ਲੈ|ନିଶ୍ୱାସ ନେଇ ପାରୁନି|" +
  "سانس نہیں";

const SUDDEN = "sudden|suddenly|अचानक|achanak|achaanak|হঠাৎ|ఒక్కసారిగా|అకస్మాత్తుగా|திடீர்|திடீரென|" +
  "અચાનક|ಇದ್ದಕ್ಕಿದ್ದಂತೆ|ದಿಢೀರ್|പെട്ടെന്ന്|ਅਚਾਨਕ|ହଠାତ|ହଠାତ୍|اچانک";
const WEAK_SIDE =
  "weakness|weak|numb|numbness|paralysed|paralysis|cannot lift|cant lift|can't lift|" +
  "लकवा|lakwa|uth nahi raha|uth nahi rahi|उठ नहीं रहा|उठ नहीं रही|kaam nahi kar raha|" +
  "काम नहीं कर रहा|लुळा|लुळे|लुळी|கை கால் விழு|பக்கவாத|सुन्न|sunn|कमजोर|अवश|অবশ|পড়ে গেছে|పడిపోయాయి|" +
  "బలహీనం|बधीर|மரத்து|செயலிழ|ખાલી ચડી|ಜೋಮು|ಸ್ವಾಧೀನ|മരവിച്ചു|തളർന്നു|ਸੁੰਨ|ଅବଶ|سن|کمزوری";
const FACE =
  "face|mouth|चेहरा|चेहरे|chehra|chehre|chehara|मुंह|मुँह|muh|munh|मुख|চেহারা|মুখ|మూతి|ముఖం|तोंड|வாய்|முகம்|મોઢું|" +
  "મોં|ಬಾಯಿ|ಮುಖ|മുഖം|ਮੂੰਹ|ମୁହଁ|منہ|چہرہ";
const CROOKED =
  "drooping|droops|droop|crooked|एक तरफ लटक|ek taraf latak|ek side latak|टेढ़ा|टेढ़ी|tedha|tedhi|বেঁকে|বাঁকা|వంకర|वाकडं|वाकडे|" +
  "கோணி|கோணல்|વાંકું|ಸೊಟ್ಟ|കോടി|ਟੇਢਾ|ਵਿੰਗਾ|ବଙ୍କା|ٹیڑھا";
const SLURRED = "slurred|speech slurred|zuban ladkhada|zaban ladkhada|juban ladkhada|" +
  "जुबान लड़खड़ा|आवाज़ लड़खड़ा|awaaz ladkhada|aawaz ladkhada|boli ladkhada|बोली लड़खड़ा|जबान लड़खड़ा|কথা জড়িয়ে|మాట ముద్ద|cant speak|" +
  "can't speak|cannot speak|bol nahi pa|बोल नहीं पा|बोलता येत नाही|பேச முடியல|બોલી શકતા નથી|" +
  "ಮಾತಾಡೋಕೆ ಆಗ್ತಿಲ್ಲ|സംസാരിക്കാൻ പറ്റുന്നില്ല|ਬੋਲ ਨਹੀਂ ਹੁੰਦਾ|କଥା କହି ପାରୁନାହାନ୍ତି|بول نہیں پا";
const SUICIDE = "suicide|suicidal|kill myself|killing himself|killing herself|kill himself|" +
  "want to die|wanna die|better off dead|hang myself|hanging myself|take my own life|end it all|" +
  "जीना नहीं चाहत|मर जाना चाहत|मरना चाहत|खुद को मार|फांसी लगा|jeena nahi chahta|" +
  "jeena nahi chahti|jina nahi chahta|mar jana chahta|mar jana chahti|mar jaana chahta|" +
  "mar jaana chahti|marna chahta|marna chahti|khud ko maar|phansi laga|fansi laga|" +
  "বাঁচতে চাই না|মরে যেতে ইচ্ছে|মরে যেতে চাই|చచ్చిపోవాలని|చనిపోవాలని|जीव द्याव|मरावंसं|" +
  "செத்துப் போகணும்|செத்துப்போகணும்|சாகணும்|செத்துடலாம்|મરી જવાનું મન|મરી જવું છે|ಸಾಯಬೇಕು|" +
  "ಸಾಯ್ಬೇಕು|മരിക്കാൻ തോന്നു|ചാകാൻ തോന്നു|ਮਰਨ ਨੂੰ ਜੀ|ਮਰ ਜਾਣਾ ਚਾਹੁੰ|ମରିଯିବାକୁ|ମରିବାକୁ ଇଚ୍ଛା|" +
  "مر جانا چاہت|مرنا چاہت|خود کو مار|" +
  "end my life|ending my life|dont want to live|don't want to live|do not want to live|self harm|" +
  "आत्महत्या|खुदकुशी|जीने का मन नहीं|खुद को खत्म|jeene ka man nahi|jeene ka mann nahi|" +
  "khud ko khatam|khudkushi|khudkhushi|aatmhatya|atmhatya|aatmahatya|atmahatya|আত্মহত্যা|বাঁচতে ইচ্ছে করে না|bachte ichhe kore na|ఆత్మహత్య|బతకాలని లేదు|" +
  "जगावंसं वाटत नाही|தற்கொலை|வாழவே பிடிக்கல|வாழ பிடிக்கல|આપઘાત|આત્મહત્યા|જીવવું નથી|" +
  "ಆತ್ಮಹತ್ಯೆ|ಬದುಕೋಕೆ ಇಷ್ಟ ಇಲ್ಲ|ആത്മഹത്യ|ജീവിക്കാൻ തോന്നുന്നില്ല|ਖੁਦਕੁਸ਼ੀ|ਆਤਮਹੱਤਿਆ|" +
  "ਜੀਣ ਨੂੰ ਦਿਲ ਨਹੀਂ|ଆତ୍ମହତ୍ୟା|ବଞ୍ଚିବାକୁ ଇଚ୍ଛା ନାହିଁ|خودکشی|جینے کو دل نہیں";
const BLADE = "blade|blades|ब्लेड|ব্লেড|బ్లేడ్|బ్లేడ్‌తో|பிளேடால|பிளேடு|બ્લેડ|ಬ್ಲೇಡ್|ಬ್ಲೇಡಿನಿಂದ|ബ്ലേഡ്|" +
  "ਬਲੇਡ|ବ୍ଲେଡ|بلیڈ";
const CUT_SELF = "wrist|wrists|cutting|हाथ|haath|hath|হাত|చేయి|हात|கைய|கை|હાથ|ಕೈ|കൈ|ਬਾਂਹ|ਹੱਥ|ହାତ|ہاتھ";

const SNAKE = "snake|snakebite|cobra|viper|krait|नाग=|naag|nag=|करैत|karait|নাগ=|త్రాచు|" +
  "நல்ல பாம்பு|નાગ=|ನಾಗರ|മൂർഖൻ|ਨਾਗ=|ନାଗ=|ناگ=|सांप|साँप|saap|saanp|sap|সাপ|সাপে|పాము|paamu|साप|பாம்பு|સાપ|ಹಾವು|" +
  "പാമ്പ്|ਸੱਪ|ସାପ|سانپ";
const BITE = "bite|bit|bitten|डस|डंस|das|dasa|dans|kata|kaata|kati|কেটেছে|কেটে|কাটল|ಕಡಿ|" +
  "கொத்தி|கொத்த|കൊത്തി|ડંખ|ਲੜ|दंश|काट|kaat|kat|কামড়|కాటు|కరిచ|चावला|चावा|கடி|કરડ|ಕಚ್ಚ|കടി|ਡੰਗ|" +
  "ਡੱਸ|କାମୁଡ଼|کاٹ|ڈس|kaatu";

const POISON = "rat poison|drank poison|swallowed poison|took poison|ate poison|poisoned|" +
  "chooha maarne|chuha maarne|chuhe marne|चूहा मारने|whole strip|entire strip|all her pills|all his pills|all my pills|bottle of pills|" +
  "विषारी|vishari|ఎక్కువ మాత్రలు|మాత్రలు మింగ|" +
  "kerosene|overdose|sleeping pills|too many pills|illicit liquor|hooch|" +
  "ज़हर|जहर|zehar|jahar|zahar|विष=|मिट्टी का तेल|mitti ka tel|चूहे मारने|chuhe maarne|" +
  "नींद की बहुत|नींद की गोलियां|neend ki goliyan|neend ki bahut|धतूर|dhatura|zehreeli|जहरीली|" +
  "বিষ=|কেরোসিন|ঘুমের ওষুধ|ধুতুরা|విషం|కిరోసిన్|ఎలుకల మందు|నిద్ర మాత్రలు|ఉమ్మెత్త|" +
  "रॉकेल|उंदीर मारायचं|झोपेच्या|धोत्र्याच्या|விஷம்|மண்ணெண்ணெய்|எலி மருந்து|தூக்க மாத்திரை|" +
  "ஊமத்தை|ઝેર|કેરોસીન|ઉંદર મારવાની|ઊંઘની|ધતૂરા|ಸೀಮೆಎಣ್ಣೆ|ಇಲಿ ಪಾಷಾಣ|ನಿದ್ದೆ ಮಾತ್ರೆ|ದತ್ತೂರಿ|" +
  "വിഷം|എലിവിഷം|മണ്ണെണ്ണ|ഉറക്കഗുളിക|ഉമ്മത്ത|ਜ਼ਹਿਰ|ਮਿੱਟੀ ਦਾ ਤੇਲ|ਚੂਹੇ ਮਾਰ|ਨੀਂਦ ਦੀਆਂ|ਧਤੂਰੇ|" +
  "ବିଷ=|କିରାସିନି|ମୂଷା ମାରିବା|ନିଦ ବଟିକା|ଦୁଦୁରା|زہر|مٹی کا تیل|چوہے مار|نیند کی|دھتورے";
const DRANK_PESTICIDE =
  "drank|swallowed|pee liya|pee li|pi gaya|pi gayi|पी गया|पी गई|ਪੀ ਲਈ|ਪੀ ਗਿਆ|ਪੀ ਗਈ|पी लिया|pi liya|पी ली|खा ली|খেয়ে|తాగ|प्याय|குடிச்|પી ગયો|ಕುಡಿದ|" +
  "കുടിച്ചു|ਪੀ ਲਿਆ|ପିଇ|پی لیا";
/** Pesticides and the caustic cleaners and acids that are drunk in the same way. */
const PESTICIDE =
  "pesticide|insecticide|acid=|phenyl|phenyle|फिनाइल|tezab|tezaab|तेज़ाब|تیزاب|bleach|toilet cleaner|" +
  "பூச்சி மருந்து|ಕ್ರಿಮಿನಾಶಕ|ਸਪਰੇਅ|spray|कीटनाशक|keetnashak|কীটনাশক|పురుగుమందు|कीटकनाशक|பூச்சிக்கொல்லி|" +
  "જંતુનાશક|ಕೀಟನಾಶಕ|കീടനാശിനി|ਕੀਟਨਾਸ਼ਕ|କୀଟନାଶକ|کیڑے مار";

const BLOOD = "blood|bleeding|bleed|खून|khoon|khun|रक्त|रक्तस्राव|रक्तस्त्राव|bleeding|রক্ত|রক্তপাত|" +
  "రక్తం|రక్తస్రావం|ரத்தம்|ரத்தப்போக்கு|લોહી|ರಕ್ತ|ರಕ್ತಸ್ರಾವ|രക്തം|രക്തസ്രാവം|ਖੂਨ|ରକ୍ତ|ରକ୍ତସ୍ରାବ|" +
  "خون";
const NOT_STOPPING = "not stopping|wont stop|won't stop|will not stop|doesnt stop|soaking|soaked|" +
  "keeps pouring|pouring out|gushing|spurting|keeps bleeding|लगातार बह|lagataar beh|lagatar beh|" +
  "band nahi ho|band hi nahi|बंद नहीं हो|बंद ही नहीं|" +
  "रुक नहीं|रुक ही नहीं|ruk nahi|ruk hi nahi|थम नहीं|থামছে না|থামছেই না|ఆగట్లేదు|थांबत नाही|" +
  "थांबतच नाही|நிக்கல|நிக்கவே இல்ல|બંધ જ નથી|બંધ નથી|ನಿಲ್ತಾನೇ ಇಲ್ಲ|ನಿಲ್ತಿಲ್ಲ|നിൽക്കുന്നില്ല|" +
  "ਰੁਕ ਨਹੀਂ|ବନ୍ଦ ହେଉନି|رک ہی نہیں|رک نہیں";
const PREGNANT_OR_DELIVERY = "pregnant|pregnancy|delivery|garbhvati|garbhwati|garbhavati|" +
  "pregnent|बाळंत|പ്രസവ|गर्भवती|प्रेगनेंट|pregnant|डिलीवरी|delivery|" +
  "गरोदर|डिलिव्हरी|গর্ভবতী|ডেলিভারির|প্রসবের|గర్భిణిని|గర్భిణి|కాన్పు|డెలివరీ|கர்ப்பமா|டெலிவரிக்கு|" +
  "பிரசவ|પ્રેગ્નન્ટ|ડિલિવરી|ગર્ભવતી|ಗರ್ಭಿಣಿ|ಹೆರಿಗೆ|ഗർഭിണി|പ്രസവം|ਗਰਭਵਤੀ|ਜਣੇਪੇ|ଗର୍ଭବତୀ|ପ୍ରସବ|" +
  "حاملہ|ڈلیوری|زچگی";
const HEAVY = "heavy|heavily|a lot|too much|बहुत|ज्यादा|ज़्यादा|bahut|zyada|jyada|অনেক|খুব|చాలా|విపరీతంగా|" +
  "खूप|அதிகமா|ரொம்ப|બહુ|ખૂબ|ತುಂಬಾ|ಅತಿಯಾಗಿ|ധാരാളം|അമിതമായി|ਬਹੁਤ|ਜ਼ਿਆਦਾ|ବହୁତ|ଅତ୍ୟଧିକ|بہت|زیادہ";
/** A wound: with blood and "a lot" an emergency, where heavy bleeding alone may be a period. */
const WOUND = "cut|wound|wounded|injury|injured|accident|stabbed|चोट|घाव|chot|ghaav|ghav";
const VOMIT_BLOOD = "vomiting blood|blood in vomit|खून की उल्टी|khoon ki ulti|রক্ত বমি|రక్తం వాంతి|" +
  "रक्ताची उलटी|ரத்த வாந்தி|લોહીની ઉલટી|ರಕ್ತ ವಾಂತಿ|രക്തം ഛർദ്ദി|ਖੂਨ ਦੀ ਉਲਟੀ|ରକ୍ତ ବାନ୍ତି|خون کی الٹی";

const SEIZURE =
  "seizure|seizures|fit|fits|convulsion|convulsions|shaking all over|jerking|ഫിറ്റ്സ്|दौरा|मिर्गी|mirgi|daura|খিঁচুনি|মৃগী|" +
  "ఫిట్స్|మూర్ఛ|फिट|வலிப்பு|ખેંચ|આંચકી|ಫಿಟ್ಸ್|ಮೂರ್ಛೆ|അപസ്മാരം|ਦੌਰਾ|ਦੌਰੇ|ਮਿਰਗੀ|ଝଟକା|ମୃଗୀ|" +
  "دورہ|جھٹکے|مرگی|झटके|jhatke";
/** Unconsciousness, also a seizure's sign. */
const UNCONSCIOUS = "unconscious|not responding|unresponsive|behosh|be hosh|बेहोश|बेभान|બેભાન|" +
  "ബോധമില്ല|ہوش";
const TREMBLING = "कांप|kaanp|kanp|trembling|shaking";
const SEIZURE_SIGN = UNCONSCIOUS + "|" +
  "froth|frothing|foam|not waking|eyes rolled|jerking|झाग|jhaag|बेहोश|" +
  "होश|hosh|ফেনা|জ্ঞান|నురగ|స్పృహ|फेस|शुद्ध|நுரை|நினைவு|ફીણ|ભાન|ನೊರೆ|ಪ್ರಜ್ಞೆ|നുര|ബോധമില്ല|" +
  "ਝੱਗ|ਹੋਸ਼|ଫେଣ|ଚେତା|جھاگ|ہوش|आंखें ऊपर|aankhe upar|চোখ উল্টে|కళ్ళు పైకి|डोळे वर|கண்ணு மேல|" +
  "આંખો ઉપર|ಕಣ್ಣು ಮೇಲೆ|കണ്ണ് മുകളിലേക്ക്|ਅੱਖਾਂ ਉੱਪਰ|ଆଖି ଉପରକୁ|آنکھیں اوپر|आ रहे|aa rahe|" +
  "হচ্ছে|వస్తున్నాయి|येतायत|வருது|આવે|ಬರ್ತಿದೆ|ਪੈ ਰਹੇ|ଆସୁଛି|آ رہے|had a fit|having";

const INFANT = "infant|newborn|month old|months old|month baby|week old|weeks old|" +
  "दिन के बच्चे|दिन का बच्चा|दिन की बच्ची|din ke bacche|din ke baby|din ka baby|din ka baccha|" +
  "din ki bachi|mahine ke baby|பிறந்து|महीने के बच्चे|महीने की बच्ची|महीने का|" +
  "mahine ke bacche|mahine ka|mahine ki|মাসের বাচ্চা|মাসের শিশু|నెలల బిడ్డ|నెలల|महिन्यांच्या|" +
  "மாச குழந்தை|மாச குழந்தைக்கு|મહિનાના|ತಿಂಗಳ ಮಗು|ತಿಂಗಳ ಮಗುವಿಗೆ|മാസമുള്ള|ਮਹੀਨੇ ਦੇ|ମାସର ଶିଶୁ|ମାସର|" +
  "مہینے کے بچے|شیرخوار|नवजात|শিশু|శిశువు|ਨਵਜੰਮ";
const FEVER =
  "fever|burning hot|temperature|बुखार|bukhar|bukhaar|জ্বর|జ్వరం|ताप|காய்ச்சல்|તાવ|ಜ್ವರ|പനി|ਬੁਖਾਰ|ଜ୍ୱର|بخار";
const HIGH =
  "high|very|drowsy|limp|విపరీత|સખત|तेज|tez|सुस्त|sust|খুব|নেতিয়ে|తీవ్ర|నీరసంగా|खूप|मलूल|அதிக|சோர்ந்து|" +
  "ખૂબ|સુસ્ત|ತುಂಬಾ|ಸುಸ್ತಾಗಿ|കടുത്ത|തളർന്നു|ਤੇਜ਼|ਸੁਸਤ|ପ୍ରବଳ|ନିସ୍ତେଜ|تیز|سست";

export const HEART_ATTACK =
  "heart attack|दिल का दौरा|हार्ट अटैक|heart atack|dil ka daura|dil ka dora|হার্ট অ্যাটাক|గుండెపోటు|" +
  "हृदयविकाराचा झटका|மாரடைப்பு|હાર્ટ એટેક|ಹೃದಯಾಘಾತ|ഹൃദയാഘാതം|ਦਿਲ ਦਾ ਦੌਰਾ|ହୃଦଘାତ|دل کا دورہ";

/** Each flag's rules; a rule is groups joined by " & ". */
export const RULES: Record<RedFlag, string[]> = {
  chest_pain: [
    `${CHEST} & ${ARM_JAW_SWEAT}`,
    `${CHEST} & ${PRESSURE}`,
    `${TAMIL_CHEST} & ${TAMIL_ARM}`,
    HEART_ATTACK,
    `${SEVERE} & ${CHEST_PAIN}`,
  ],
  stroke: [`${FACE} & ${CROOKED}`, SLURRED, `${SUDDEN} & ${WEAK_SIDE}`],
  breathing: [`${LIPS} & ${BLUE}`, CANT_BREATHE, `${SEVERE} & ${HARD_TO_BREATHE}`],
  suicidal: [SUICIDE, `${BLADE} & ${CUT_SELF}`],
  snake_bite: [`${SNAKE} & ${BITE}`, "snakebite|सर्पदंश|sarpdansh|sarpadansh"],
  poisoning: [POISON, `${PESTICIDE} & ${DRANK_PESTICIDE}`],
  heavy_bleeding: [
    `${BLOOD} & ${NOT_STOPPING}`,
    `${PREGNANT_OR_DELIVERY} & ${BLOOD} & ${HEAVY}`,
    `${WOUND} & ${BLOOD} & ${HEAVY}`,
    VOMIT_BLOOD,
  ],
  seizure: [`${SEIZURE} & ${SEIZURE_SIGN}`, `${TREMBLING} & ${UNCONSCIOUS}`],
  infant_fever: [`${INFANT} & ${FEVER} & ${HIGH}`],
};

/** Signs that need a doctor today (triage `urgent`), ruled the same way. */
export const URGENT_FLAGS = [
  "persistent_fever",
  "pregnancy_warning",
  "acute_abdomen",
  "dehydration",
  "sudden_vision_loss",
  "sting_or_bite",
] as const;
export type UrgentFlag = typeof URGENT_FLAGS[number];

const DAYS_3_PLUS = "three days|four days|five days|a week|not coming down|not going down|" +
  "चार दिन|पांच दिन|char din|chaar din|paanch din|চার দিন|নাలుগు రోజులు|నాలుగు రోజులుగా|चार दिवस|" +
  "நாலு நாளா|ચાર દિવસ|ನಾಲ್ಕು ದಿನ|നാല് ദിവസ|ਚਾਰ ਦਿਨ|ଚାରି ଦିନ|چار دن|utar nahi|utar hi nahi|" +
  "उतर नहीं|उतर ही नहीं|नहीं उतर|কমছে না|తగ్గట్లేదు|उतरत नाही|குறையல|ઉતરતો નથી|ಇಳಿತಿಲ್ಲ|" +
  "കുറയുന്നില്ല|ਨਹੀਂ ਉਤਰਦਾ|କମୁନି|نہیں اتر";
const PREGNANCY =
  "pregnant|pregnancy|pregnent|garbhvati|garbhwati|garbhavati|गर्भवती|प्रेगनेंसी|गरोदर|गर्भधारणा|গর্ভবতী|প্রেগন্যান্সি|" +
  "প্রেগন্যান্সিতে|గర్భిణి|గర్భం=|கர்ப்பம்|પ્રેગ્નન્સી|પ્રેગ્નન્ટ|ಗರ್ಭ=|ಗರ್ಭಿಣಿ|ഗർഭം|ഗർഭിണി|" +
  "ਗਰਭ=|ਗਰਭਵਤੀ|ଗର୍ଭ=|ଗର୍ଭବତୀ|حمل=|حاملہ";
const SEVENTH_MONTH = "7 months|seventh month|सातवां महीना|satvan mahina|7 va mahina|সাত মাসের|" +
  "ఏడో నెల|सातवा महिना|ஏழாவது மாசம்|સાતમો મહિનો|ಏಳನೇ ತಿಂಗಳು|ഏഴാം മാസം|ਸੱਤਵਾਂ ਮਹੀਨਾ|ସାତ ମାସ|" +
  "ساتواں مہینہ";
const PREGNANCY_SIGN =
  "spotting|bleeding|swollen|swelling|cramps|reduced movement|suj|suja|sooj|सूजन|sujan|खून|" +
  "khoon|spotting|মোচড়|ফুলে|রক্ত|వాచాయి|రక్తపు|సుజ|सुजला|रक्त|வீங்கிருக்கு|ரத்தம்|સોજા|લોહી|" +
  "ಊದಿದೆ|ರಕ್ತ|നീര്|രക്തം|ਸੋਜ|ਖੂਨ|ଫୁଲିଛି|ରକ୍ତ|سوجن|خون";
const ABDOMEN_RIGHT = "right lower|right side lower|appendix|daayi taraf|dayi taraf|dai taraf|" +
  "दाईं तरफ|दायीं तरफ|दाहिनी तरफ|दाईं तरफ नीचे|right side neeche|" +
  "ডান দিকে নিচে|కుడి వైపు కిందకి|उजवीकडे खाली|வலது பக்கம் கீழ|જમણી બાજુ નીચે|ಬಲಗಡೆ ಕೆಳಗೆ|" +
  "വലതു വശം താഴെ|ਸੱਜੇ ਪਾਸੇ ਹੇਠਾਂ|ଡାହାଣ ପଟ ତଳେ|دائیں طرف نیچے|नाभि|naabhi|নাভি|బొడ్డు|बेंबी|" +
  "தொப்புள்|દૂંટી|ಹೊಕ್ಕಳ|പൊക്കിള|ਧੁੰਨੀ|ନାଭି|ناف";
const NOT_KEEPING_WATER = "not keeping water|not even keeping water|cant keep water|पानी भी नहीं|" +
  "paani bhi nahi|জলও পেটে থাকছে না|నీళ్ళు కూడా నిలవట్లేదు|पाणीही टिकत नाही|தண்ணி கூட நிக்கல|" +
  "પાણી પણ ટકતું નથી|ನೀರು ಕೂಡ ನಿಲ್ತಿಲ್ಲ|വെള്ളം പോലും നിൽക്കുന്നില്ല|ਪਾਣੀ ਵੀ ਨਹੀਂ|ପାଣି ବି ରହୁନି|" +
  "پانی بھی نہیں";
const VISION_LOSS =
  "loss of vision|lost vision|cant see suddenly|sudden blindness|अचानक दिखना बंद|" +
  "achanak dikhna band";
const STING = "scorpion|बिच्छू|bicchu|কাঁকড়াবিছে|తేలు|विंचू|தேள்|વીંછી|ಚೇಳು|തേള്|ਬਿੱਛੂ|ବିଛା=|ବିଛାଟି|بچھو|" +
  "dog bite|dog bit|bitten by a dog|stray dog|कुत्ते ने काट|kutte ne kaat|কুকুর কামড়েছে|కుక్క కరిచింది|" +
  "कुत्र्याने चावा|நாய் கடிச்சிடுச்சு|કૂતરાએ બચકું|ನಾಯಿ ಕಚ್ಚಿತು|നായ കടിച്ചു|ਕੁੱਤੇ ਨੇ ਵੱਢ|" +
  "କୁକୁର କାମୁଡ଼ିଲା|کتے نے کاٹ|monkey bit|बंदर ने काट|bandar ne kaat";

export const URGENT_RULES: Record<UrgentFlag, string[]> = {
  persistent_fever: [`${FEVER} & ${DAYS_3_PLUS}`],
  pregnancy_warning: [`${PREGNANCY} & ${PREGNANCY_SIGN}`, `${SEVENTH_MONTH} & ${PREGNANCY_SIGN}`],
  acute_abdomen: [
    `${ABDOMEN_RIGHT} & ${FEVER}|vomiting|ulti|उल्टी|বমি|వాంతి|उलटी|வாந்தி|ઉલટી|ವಾಂತಿ|ഛർദ്ദി|ਉਲਟੀ|ବାନ୍ତି|الٹی`,
  ],
  dehydration: [NOT_KEEPING_WATER],
  sudden_vision_loss: [
    VISION_LOSS,
    `${SUDDEN} & vision|दिखना|नजर|নজর|చూపు|दृष्टी|பார்வை|દેખાવું|ದೃಷ್ಟಿ|കാഴ്ച|ਨਜ਼ਰ|ଦୃଷ୍ଟି|نظر`,
  ],
  sting_or_bite: [STING],
};
