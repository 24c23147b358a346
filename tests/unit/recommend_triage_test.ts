/**
 * Safety triage in every supported language: red-flag descriptions (phrased afresh here, not
 * copied from the corpus) answer `emergency` with advice to call 112/108 in the patient's
 * language; everyday complaints stay routine. Pure functions, no server.
 */
import assert from "node:assert/strict";
import { adviceFor, adviceLanguage, disclaimerIn } from "../../src/recommend/advice.ts";
import { analyzeSymptoms } from "../../src/recommend/symptom_scorer.ts";
import { assessTriage, redFlags } from "../../src/recommend/triage.ts";
import { RED_FLAGS, type RedFlag } from "../../src/recommend/red_flags.ts";
import { tokenize } from "../../src/recommend/normalize.ts";

function triage(text: string) {
  const a = analyzeSymptoms(text);
  return assessTriage(a.words, a.triage);
}

const CASES: Record<string, { emergency: [string, string][]; routine: string[] }> = {
  en: {
    emergency: [
      ["chest_pain", "pain in the middle of my chest since an hour, now my left arm feels heavy"],
      ["stroke", "grandpa's face is drooping on one side and his words are slurred"],
      ["breathing", "my wife cannot breathe properly and her lips look blue"],
      ["suicidal", "i feel like ending my life tonight"],
      ["snake_bite", "a snake bit my uncle on the ankle near the well"],
      ["poisoning", "my toddler swallowed rat poison from the shelf"],
      ["heavy_bleeding", "8 months pregnant and bleeding heavily since morning"],
      ["seizure", "he is having fits and there is froth at his mouth"],
      ["infant_fever", "2 months old baby with high fever, not feeding"],
    ],
    routine: ["mild acidity after dinner", "knees ache in winter", "dandruff and itchy scalp"],
  },
  hi: {
    emergency: [
      ["chest_pain", "छाती में दबाव सा दर्द है और बाएं हाथ में जा रहा है"],
      ["stroke", "मां का मुंह अचानक टेढ़ा हो गया"],
      ["suicidal", "मैं आत्महत्या करने की सोच रहा हूं"],
      ["snake_bite", "खेत में काम करते हुए सांप ने काटा"],
      ["seizure", "भाई को दौरा पड़ा है, मुंह से झाग निकल रहा है"],
    ],
    routine: ["कमर में हल्का दर्द रहता है", "बाल झड़ रहे हैं"],
  },
  "hi-Latn": {
    emergency: [
      ["chest_pain", "seene me dard hai jo baayein haath tak ja raha hai"],
      ["breathing", "dadi ke honth neele ho rahe hain saans nahi le pa rahi"],
      ["poisoning", "chacha ne zehar kha liya hai"],
      ["heavy_bleeding", "chot lagi hai khoon ruk nahi raha"],
    ],
    routine: ["pet me gas banti hai", "aankhon me jalan hoti hai"],
  },
  bn: {
    emergency: [
      ["chest_pain", "বুকে ব্যথা, বাঁ হাতে নামছে, খুব ঘাম হচ্ছে"],
      ["snake_bite", "পুকুর পাড়ে সাপে কামড় দিয়েছে"],
      ["suicidal", "আমি আত্মহত্যা করতে চাই"],
    ],
    routine: ["অনেক দিন ধরে কোমরে ব্যথা", "মাথায় খুশকি"],
  },
  te: {
    emergency: [
      ["breathing", "అమ్మకి ఊపిరి ఆడట్లేదు, పెదాలు నీలంగా ఉన్నాయి"],
      ["poisoning", "తాత పురుగుమందు తాగేశాడు"],
      ["seizure", "అక్కకి మూర్ఛ వచ్చింది, నోట్లో నురగ"],
    ],
    routine: ["మోకాళ్ళ నొప్పి ఎక్కువగా ఉంది", "జుట్టు రాలుతోంది"],
  },
  mr: {
    emergency: [
      ["stroke", "आजोबांचं तोंड अचानक वाकडं झालं"],
      ["snake_bite", "भाताच्या शेतात साप चावला"],
      ["heavy_bleeding", "गरोदर आहे आणि खूप रक्त जातंय"],
    ],
    routine: ["पित्ताचा त्रास होतो", "गुडघे दुखतात"],
  },
  ta: {
    emergency: [
      ["chest_pain", "நெஞ்சு வலி இடது கைக்கு போகுது"],
      ["suicidal", "தற்கொலை பண்ணிக்கணும்னு தோணுது"],
      ["infant_fever", "ரெண்டு மாச குழந்தைக்கு அதிக காய்ச்சல்"],
    ],
    routine: ["முதுகு வலி இருக்கு", "தலையில பொடுகு"],
  },
  gu: {
    emergency: [
      ["snake_bite", "વાડીમાં સાપ કરડી ગયો"],
      ["poisoning", "બાળક કેરોસીન પી ગયું"],
      ["breathing", "શ્વાસ લઈ શકાતો નથી, હોઠ ભૂરા છે"],
    ],
    routine: ["પેટમાં ગેસ થાય છે", "વાળ ખરે છે"],
  },
  kn: {
    emergency: [
      ["chest_pain", "ಎದೆ ನೋವು ಎಡ ಕೈಗೆ ಹರಡ್ತಿದೆ"],
      ["snake_bite", "ತೋಟದಲ್ಲಿ ಹಾವು ಕಚ್ಚಿತು"],
      ["suicidal", "ಆತ್ಮಹತ್ಯೆ ಮಾಡಿಕೊಳ್ಳುವ ಯೋಚನೆ ಬರ್ತಿದೆ"],
    ],
    routine: ["ಸೊಂಟ ನೋವು", "ಹೊಟ್ಟೆ ಉಬ್ಬರ"],
  },
  ml: {
    emergency: [
      ["snake_bite", "പറമ്പിൽ വെച്ച് പാമ്പ് കടിച്ചു"],
      ["suicidal", "ആത്മഹത്യ ചെയ്യാൻ തോന്നുന്നു"],
      ["breathing", "ശ്വാസം കിട്ടുന്നില്ല, ചുണ്ട് നീല നിറം"],
    ],
    routine: ["മുട്ടുവേദന ഉണ്ട്", "മുടി കൊഴിച്ചിൽ"],
  },
  pa: {
    emergency: [
      ["chest_pain", "ਛਾਤੀ ਵਿੱਚ ਦਰਦ ਖੱਬੀ ਬਾਂਹ ਵੱਲ ਜਾਂਦਾ, ਪਸੀਨਾ ਆ ਰਿਹਾ"],
      ["poisoning", "ਮਾਮਾ ਜੀ ਨੇ ਜ਼ਹਿਰ ਖਾ ਲਿਆ"],
      ["snake_bite", "ਖੇਤ ਵਿੱਚ ਸੱਪ ਨੇ ਡੱਸ ਲਿਆ"],
    ],
    routine: ["ਗੋਡਿਆਂ ਵਿੱਚ ਦਰਦ", "ਪੇਟ ਵਿੱਚ ਗੈਸ"],
  },
  or: {
    emergency: [
      ["snake_bite", "ବିଲରେ ସାପ କାମୁଡ଼ି ଦେଲା"],
      ["suicidal", "ଆତ୍ମହତ୍ୟା କରିବା କଥା ଭାବୁଛି"],
      ["chest_pain", "ଛାତିରେ ଯନ୍ତ୍ରଣା, ବାମ ହାତକୁ ଯାଉଛି"],
    ],
    routine: ["ଆଣ୍ଠୁ ବିନ୍ଧା", "ପେଟ ଫୁଲୁଛି"],
  },
  ur: {
    emergency: [
      ["chest_pain", "سینے میں درد بائیں بازو تک جا رہا ہے"],
      ["suicidal", "خودکشی کرنے کو دل کرتا ہے"],
      ["snake_bite", "کھیت میں سانپ نے کاٹ لیا"],
    ],
    routine: ["کمر میں درد رہتا ہے", "پیٹ میں گیس"],
  },
};

for (const [lang, { emergency, routine }] of Object.entries(CASES)) {
  Deno.test(`assessTriage() flags red flags in ${lang} and advises calling 112 in ${lang}`, () => {
    for (const [flag, text] of emergency) {
      const t = triage(text);
      assert.equal(t.triage, "emergency", `${text}: ${JSON.stringify(t)}`);
      assert.ok(t.flags.includes(flag as never), `${text}: expected ${flag}, got ${t.flags}`);
      assert.equal(adviceLanguage(text), lang, text);
      const advice = adviceFor("emergency", adviceLanguage(text))!;
      assert.match(advice, /112/);
      assert.match(advice, /108/);
    }
    for (const text of routine) {
      assert.equal(triage(text).triage, "routine", text);
      assert.equal(adviceFor("routine", adviceLanguage(text)), null);
    }
  });
}

/**
 * A second round of red-flag phrasings, written after the rules, in other words than the rules
 * and the corpus use (lay verbs, idioms, misspellings): every one of the nine flags in every
 * language, plus routine complaints that share a word with a flag.
 */
const FRESH: Record<string, { flags: Record<RedFlag, string>; routine: string[] }> = {
  en: {
    flags: {
      chest_pain: "crushing feeling in my chest and my jaw aches, feel sick",
      stroke: "mom suddenly cannot lift her right arm, it has gone numb",
      breathing: "my son is gasping for air and cannot finish a sentence",
      suicidal: "i want to die, been thinking of hanging myself",
      snake_bite: "bitten by a cobra while cutting grass",
      poisoning: "my daughter took a whole strip of her pills",
      heavy_bleeding: "deep cut on his leg, blood keeps pouring out",
      seizure: "brother collapsed and is shaking all over, not responding",
      infant_fever: "my 3 week old is burning hot and very sleepy",
    },
    routine: [
      "my arm hurts after the gym",
      "bit my tongue while eating",
      "sweating a lot in summer",
    ],
  },
  hi: {
    flags: {
      chest_pain: "सीने में तेज़ दर्द है, जबड़े तक जा रहा है और ठंडा पसीना",
      stroke: "नानी का चेहरा एक तरफ लटक गया है",
      breathing: "दम घुट रहा है, हवा नहीं मिल रही",
      suicidal: "अब जीना नहीं चाहता, मर जाना चाहता हूँ",
      snake_bite: "नाग ने डस लिया है",
      poisoning: "बच्चे ने फिनाइल पी लिया",
      heavy_bleeding: "सिर फट गया है, खून लगातार बह रहा है",
      seizure: "बेटी बेहोश होकर कांप रही है",
      infant_fever: "15 दिन के बच्चे को तेज बुखार है",
    },
    routine: ["दस दिन से खांसी है", "हाथ कांपते हैं लिखते समय", "सीने में जलन होती है कई दिनों से"],
  },
  "hi-Latn": {
    flags: {
      chest_pain: "chaati me bahut dard aur jakdan, pasine chhoot rahe",
      stroke: "nani ki zuban ladkhada rahi hai aur achanak ek haath uth nahi raha",
      breathing: "bache ki saans bahut tez chal rahi hai, hont neele",
      suicidal: "mai mar jaana chahti hoon, ab aur nahi jhel sakti",
      snake_bite: "naag ne das liya khet me",
      poisoning: "beti ne phenyl pee liya",
      heavy_bleeding: "sir pe chot, khoon lagataar beh raha hai",
      seizure: "papa ko mirgi ka daura pada, behosh hain",
      infant_fever: "20 din ke baby ko bahut tez bukhar, doodh nahi pee raha",
    },
    routine: [
      "kai dino se pet kharab hai aur seene me jalan",
      "bheed me saans ruk si jaati hai",
      "das din se sar dard",
      "budhape me haath kaanpte hain",
    ],
  },
  bn: {
    flags: {
      chest_pain: "বুকের মাঝখানে চাপ ধরে আছে, চোয়ালে ব্যথা",
      stroke: "দাদুর হঠাৎ এক দিক অবশ হয়ে গেছে",
      breathing: "দম বন্ধ হয়ে আসছে, শ্বাস নিতে পারছি না",
      suicidal: "আর বাঁচতে চাই না, মরে যেতে ইচ্ছে করছে",
      snake_bite: "ধানক্ষেতে সাপে কেটেছে",
      poisoning: "ছেলে ইঁদুর মারার বিষ খেয়েছে",
      heavy_bleeding: "প্রসবের পর খুব রক্ত যাচ্ছে",
      seizure: "বাচ্চার খিঁচুনি হচ্ছে, মুখে ফেনা",
      infant_fever: "নবজাতকের খুব জ্বর",
    },
    routine: ["ছেলে রাতে বিছানায় প্রস্রাব করে", "হাতে ব্যথা"],
  },
  te: {
    flags: {
      chest_pain: "ఛాతీలో బరువుగా ఉంది, ఎడమ చేయి లాగుతోంది",
      stroke: "నాన్నకి ఒక్కసారిగా మూతి వంకర పోయింది",
      breathing: "ఆయాసంతో ఊపిరి అందట్లేదు",
      suicidal: "చచ్చిపోవాలని అనిపిస్తోంది",
      snake_bite: "పొలంలో పాము కాటు వేసింది",
      poisoning: "అమ్మ ఎక్కువ మాత్రలు మింగేసింది",
      heavy_bleeding: "తలకి దెబ్బ తగిలి రక్తం ఆగట్లేదు",
      seizure: "తమ్ముడికి ఫిట్స్ వచ్చి స్పృహ లేదు",
      infant_fever: "మూడు నెలల పాపకి విపరీతమైన జ్వరం",
    },
    routine: ["చేయి నొప్పి", "మాత్రలు వేసుకున్నా తలనొప్పి తగ్గట్లేదు"],
  },
  mr: {
    flags: {
      chest_pain: "छातीत कळ येते आणि डाव्या हातात मुंग्या",
      stroke: "आईचा एक हात आणि पाय अचानक लुळा पडला",
      breathing: "श्वास घ्यायला खूप त्रास होतोय, ओठ निळे पडले",
      suicidal: "जीव द्यावासा वाटतो",
      snake_bite: "सापाने दंश केला",
      poisoning: "शेतकऱ्याने विषारी औषध प्यायले",
      heavy_bleeding: "बाळंतपणानंतर खूप रक्तस्राव होतोय",
      seizure: "मुलाला झटके येतायत, तोंडातून फेस",
      infant_fever: "दोन महिन्यांच्या बाळाला खूप ताप",
    },
    routine: ["पायाला मुंग्या येतात", "हात दुखतो"],
  },
  ta: {
    flags: {
      chest_pain: "நெஞ்சு அழுத்தமா இருக்கு, வியர்த்து கொட்டுது",
      stroke: "அப்பாவுக்கு திடீர்னு கை கால் விழுந்துடுச்சு",
      breathing: "மூச்சு இழுக்குது, மூச்சு விட முடியல",
      suicidal: "செத்துப் போகணும் போல இருக்கு",
      snake_bite: "வயல்ல பாம்பு கொத்திடுச்சு",
      poisoning: "பாட்டி பூச்சி மருந்து குடிச்சிட்டாங்க",
      heavy_bleeding: "பிரசவத்துக்கு அப்புறம் ரத்தம் ரொம்ப போகுது",
      seizure: "தம்பிக்கு வலிப்பு வந்து நுரை தள்ளுது",
      infant_fever: "பிறந்து 20 நாள் ஆன குழந்தைக்கு காய்ச்சல் அதிகமா இருக்கு",
    },
    routine: ["திடீர்னு ஒரு பக்கம் தலைவலி வருது", "கை வலிக்குது"],
  },
  gu: {
    flags: {
      chest_pain: "છાતીમાં ભાર લાગે છે અને ડાબા હાથમાં દુખાવો",
      stroke: "બાનું મોઢું અચાનક વાંકું થઈ ગયું",
      breathing: "શ્વાસ ચડે છે, હોઠ ભૂરા પડી ગયા",
      suicidal: "મરી જવાનું મન થાય છે",
      snake_bite: "ખેતરમાં સાપ ડંખ્યો",
      poisoning: "દીકરાએ ઉંદર મારવાની દવા પીધી",
      heavy_bleeding: "ડિલિવરી પછી બહુ લોહી પડે છે",
      seizure: "ભાઈને ખેંચ આવી, બેભાન છે",
      infant_fever: "એક મહિનાના બાળકને સખત તાવ",
    },
    routine: ["હાથમાં દુખાવો", "માથું દુખે છે"],
  },
  kn: {
    flags: {
      chest_pain: "ಎದೆಯಲ್ಲಿ ಒತ್ತಿದಂತೆ ನೋವು, ಬೆವರು ಸುರಿಯುತ್ತಿದೆ",
      stroke: "ಅಜ್ಜನ ಮುಖ ಒಂದು ಕಡೆ ಸೊಟ್ಟ ಆಗಿದೆ",
      breathing: "ಉಸಿರಾಡಲು ಕಷ್ಟ, ತುಟಿ ನೀಲಿ ಆಗಿದೆ",
      suicidal: "ಸಾಯಬೇಕು ಅನ್ನಿಸ್ತಿದೆ",
      snake_bite: "ಗದ್ದೆಯಲ್ಲಿ ಹಾವು ಕಡಿದಿದೆ",
      poisoning: "ಅಪ್ಪ ಕ್ರಿಮಿನಾಶಕ ಕುಡಿದಿದ್ದಾರೆ",
      heavy_bleeding: "ಗಾಯದಿಂದ ರಕ್ತ ನಿಲ್ತಾನೇ ಇಲ್ಲ",
      seizure: "ಮಗುವಿಗೆ ಫಿಟ್ಸ್ ಬಂದು ಬಾಯಲ್ಲಿ ನೊರೆ",
      infant_fever: "ಒಂದು ತಿಂಗಳ ಮಗುವಿಗೆ ತುಂಬಾ ಜ್ವರ",
    },
    routine: ["ಹಸಿವು ಕಡಿಮೆ ಆಗಿದೆ", "ಕೈ ನೋವು"],
  },
  ml: {
    flags: {
      chest_pain: "നെഞ്ചിൽ വല്ലാത്ത ഭാരം, ഇടത് കൈയിലേക്ക് വേദന",
      stroke: "അച്ഛന്റെ മുഖം പെട്ടെന്ന് ഒരു വശത്തേക്ക് കോടി",
      breathing: "ശ്വാസം മുട്ടുന്നു, ചുണ്ട് നീലിച്ചു",
      suicidal: "മരിക്കാൻ തോന്നുന്നു",
      snake_bite: "പാമ്പ് കൊത്തി",
      poisoning: "അമ്മൂമ്മ എലിവിഷം കഴിച്ചു",
      heavy_bleeding: "പ്രസവത്തിന് ശേഷം അമിതമായി രക്തം പോകുന്നു",
      seizure: "കുഞ്ഞിന് ഫിറ്റ്സ് വന്നു, ബോധമില്ല",
      infant_fever: "രണ്ട് മാസമുള്ള കുഞ്ഞിന് കടുത്ത പനി",
    },
    routine: ["കൈ വേദന", "തലവേദന ഉണ്ട്"],
  },
  pa: {
    flags: {
      chest_pain: "ਛਾਤੀ ਤੇ ਭਾਰ ਪੈ ਰਿਹਾ, ਜਬਾੜੇ ਵਿੱਚ ਦਰਦ",
      stroke: "ਬਾਪੂ ਜੀ ਦਾ ਮੂੰਹ ਟੇਢਾ ਹੋ ਗਿਆ",
      breathing: "ਸਾਹ ਨਹੀਂ ਆ ਰਿਹਾ, ਬੁੱਲ੍ਹ ਨੀਲੇ",
      suicidal: "ਮਰਨ ਨੂੰ ਜੀ ਕਰਦਾ ਹੈ",
      snake_bite: "ਸੱਪ ਨੇ ਲੜ ਲਿਆ",
      poisoning: "ਭਰਾ ਨੇ ਸਪਰੇਅ ਪੀ ਲਈ",
      heavy_bleeding: "ਸੱਟ ਤੋਂ ਖੂਨ ਰੁਕ ਨਹੀਂ ਰਿਹਾ",
      seizure: "ਮੁੰਡੇ ਨੂੰ ਦੌਰਾ ਪਿਆ, ਮੂੰਹ ਚੋਂ ਝੱਗ",
      infant_fever: "ਦੋ ਮਹੀਨੇ ਦੇ ਬੱਚੇ ਨੂੰ ਤੇਜ਼ ਬੁਖਾਰ",
    },
    routine: ["ਬਾਂਹ ਵਿੱਚ ਦਰਦ", "ਨਾਲ ਵਾਲਿਆਂ ਨਾਲ ਲੜਾਈ ਤੋਂ ਬਾਅਦ ਨੀਂਦ ਨਹੀਂ ਆਉਂਦੀ"],
  },
  or: {
    flags: {
      chest_pain: "ଛାତି ଚାପି ହେଉଛି, ଝାଳ ବୋହୁଛି",
      stroke: "ବାପାଙ୍କ ମୁହଁ ହଠାତ ବଙ୍କା ହୋଇଗଲା",
      breathing: "ନିଶ୍ୱାସ ନେଇ ପାରୁନି, ଓଠ ନୀଳ",
      suicidal: "ମରିଯିବାକୁ ଇଚ୍ଛା ହେଉଛି",
      snake_bite: "ସାପ କାମୁଡ଼ିଦେଲା",
      poisoning: "ପୁଅ ବିଷ ପିଇଦେଲା",
      heavy_bleeding: "ପ୍ରସବ ପରେ ବହୁତ ରକ୍ତସ୍ରାବ",
      seizure: "ଝିଅକୁ ମୃଗୀ ଆସିଲା, ଚେତା ନାହିଁ",
      infant_fever: "ନବଜାତ ଶିଶୁର ପ୍ରବଳ ଜ୍ୱର",
    },
    routine: ["ହାତ ବିନ୍ଧୁଛି", "ମୁଣ୍ଡ ବିନ୍ଧା"],
  },
  ur: {
    flags: {
      chest_pain: "سینے پر دباؤ ہے اور پسینہ آ رہا ہے",
      stroke: "ابا کا منہ ٹیڑھا ہو گیا، زبان لڑکھڑا رہی ہے",
      breathing: "سانس نہیں آ رہی، ہونٹ نیلے ہو گئے",
      suicidal: "مر جانا چاہتا ہوں",
      snake_bite: "سانپ نے ڈس لیا",
      poisoning: "بچے نے تیزاب پی لیا",
      heavy_bleeding: "ڈلیوری کے بعد بہت خون آ رہا ہے",
      seizure: "بھائی کو مرگی کا دورہ پڑا، بے ہوش ہے",
      infant_fever: "دو مہینے کے بچے کو تیز بخار",
    },
    routine: ["بازو میں درد", "دس دن سے کھانسی"],
  },
};

for (const [lang, { flags, routine }] of Object.entries(FRESH)) {
  Deno.test(`assessTriage() flags all nine red flags in ${lang} in other words, and not routine ones`, () => {
    for (const flag of RED_FLAGS) {
      const text = flags[flag];
      const t = triage(text);
      assert.equal(t.triage, "emergency", `${lang} ${flag}: ${text}: ${JSON.stringify(t)}`);
      assert.ok(t.flags.includes(flag), `${text}: expected ${flag}, got ${t.flags}`);
      assert.equal(adviceLanguage(text, lang), lang);
    }
    for (const text of routine) {
      assert.deepEqual(redFlags(tokenize(text)), [], text);
    }
  });
}

Deno.test("assessTriage() answers urgent for signs that need a doctor today", () => {
  for (
    const text of [
      "fever for four days and not going down",
      "scorpion stung my foot",
      "pregnent hoon, halki bleeding aur pet me marod",
      "8 mahine ki pregnancy, pair suj gaye aur sar dard",
      "pet me daayi taraf neeche tez dard, ulti bhi",
    ]
  ) {
    assert.equal(triage(text).triage, "urgent", text);
  }
});

Deno.test("redFlags() needs the risky context, not one shared word", () => {
  for (
    const text of [
      "food poisoning after a party, loose motions", // poisoning of food is not a poison taken
      "heartburn in my chest after spicy food",
      "old stroke two years back, want physiotherapy",
      "मेरी बेटी बोलती नहीं है ज्यादा, शर्मीली है",
      "పని ఒత్తిడి వల్ల చిన్న విషయాలకే కోపం", // విషయం (matter) is not విషం (poison)
      "heavy periods every month with clots",
    ]
  ) {
    assert.deepEqual(redFlags(tokenize(text)), [], text);
  }
});

Deno.test("adviceLanguage() prefers a named language we have texts for, else the script", () => {
  assert.equal(adviceLanguage("chest pain", "ta"), "ta");
  assert.equal(adviceLanguage("chest pain", "fr"), "en");
  assert.equal(adviceLanguage("mujhe bahut tez sar dard ho raha hai"), "hi-Latn");
  assert.equal(adviceLanguage("मला खूप ताप आहे"), "mr");
  assert.equal(adviceLanguage("मुझे बुखार है"), "hi");
  assert.match(disclaimerIn("en"), /not a diagnosis/);
});
