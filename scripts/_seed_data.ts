/**
 * Realistic, deterministic demo data for `deno task seed`: Ayurvedic doctors (names, the nine
 * specializations the recommender matches (src/recommend/lexicon.ts), languages, cities, weekly
 * hours with a lunch break) and patients. Everything comes from one seeded PRNG, so `--seed 42` always yields
 * the same people, phones and ids. Phones are in the +91 9xxxxxxxxx range and are fake.
 */
import type { Schedule, WeeklyRange } from "../src/domain/slots.ts";
import { SPECIALIZATIONS } from "../src/recommend/lexicon.ts";

export { seededRandom } from "../src/domain/seeded_random.ts";

export type Rng = () => number;
export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];

function pickSome<T>(rng: Rng, list: readonly T[], min: number, max: number): T[] {
  const n = min + Math.floor(rng() * (max - min + 1));
  const pool = [...list];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) {
    out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
  }
  return out;
}

/** The nine specializations the recommender knows; one list for seed data and matching. */
export { SPECIALIZATIONS };

/** Cities with the languages most patients there speak (English everywhere). */
export const CITIES: readonly { city: string; languages: string[] }[] = [
  { city: "Mumbai", languages: ["mr", "hi", "gu"] },
  { city: "Pune", languages: ["mr", "hi"] },
  { city: "Delhi", languages: ["hi"] },
  { city: "Jaipur", languages: ["hi"] },
  { city: "Varanasi", languages: ["hi"] },
  { city: "Bengaluru", languages: ["kn", "ta", "te"] },
  { city: "Mysuru", languages: ["kn"] },
  { city: "Chennai", languages: ["ta"] },
  { city: "Hyderabad", languages: ["te", "hi"] },
  { city: "Kochi", languages: ["ml"] },
  { city: "Thiruvananthapuram", languages: ["ml", "ta"] },
  { city: "Kolkata", languages: ["bn", "hi"] },
  { city: "Ahmedabad", languages: ["gu", "hi"] },
];

const FIRST = [
  "Aarav",
  "Ananya",
  "Arjun",
  "Kavya",
  "Vikram",
  "Meera",
  "Rohan",
  "Priya",
  "Suresh",
  "Lakshmi",
  "Rahul",
  "Divya",
  "Karthik",
  "Sneha",
  "Aditya",
  "Pooja",
  "Nikhil",
  "Deepa",
  "Sanjay",
  "Asha",
  "Ravi",
  "Shreya",
  "Manoj",
  "Anjali",
  "Harish",
  "Gayatri",
  "Vivek",
  "Revathi",
  "Amit",
  "Nandini",
];
const LAST = [
  "Sharma",
  "Iyer",
  "Nair",
  "Reddy",
  "Kulkarni",
  "Menon",
  "Patel",
  "Banerjee",
  "Rao",
  "Joshi",
  "Mukherjee",
  "Pillai",
  "Deshpande",
  "Gupta",
  "Krishnan",
  "Shetty",
  "Chatterjee",
  "Naidu",
  "Desai",
  "Bhat",
  "Verma",
  "Das",
  "Hegde",
  "Mishra",
  "Subramanian",
];

/** Weekly hours with a lunch break; Sunday off, some doctors also off on Saturday afternoons. */
function weeklyHours(rng: Rng): WeeklyRange[] {
  const morning = pick(rng, [["08:00", "12:00"], ["09:00", "13:00"], ["09:30", "13:30"]] as const);
  const afternoon = pick(
    rng,
    [["14:00", "18:00"], ["15:00", "19:00"], ["16:00", "20:00"]] as const,
  );
  const halfSaturday = rng() < 0.5;
  const out: WeeklyRange[] = [];
  for (const day of ["mon", "tue", "wed", "thu", "fri", "sat"] as const) {
    out.push({ day, start: morning[0], end: morning[1] });
    if (!(day === "sat" && halfSaturday)) out.push({ day, start: afternoon[0], end: afternoon[1] });
  }
  return out;
}

export interface SeedDoctor {
  name: string;
  phone: string;
  specializations: string[];
  languages: string[];
  city: string;
  timezone: "Asia/Kolkata";
  fee: number;
  bio: string;
  schedule: Schedule;
}

export function phoneFor(rng: Rng, used: Set<string>): string {
  for (;;) {
    const phone = `+919${String(Math.floor(rng() * 1e9)).padStart(9, "0")}`;
    if (!used.has(phone)) {
      used.add(phone);
      return phone;
    }
  }
}

export function seedDoctor(rng: Rng, used: Set<string>): SeedDoctor {
  const place = pick(rng, CITIES);
  const specializations = pickSome(rng, SPECIALIZATIONS, 1, 3);
  const years = 3 + Math.floor(rng() * 30);
  return {
    name: `Dr. ${pick(rng, FIRST)} ${pick(rng, LAST)}`,
    phone: phoneFor(rng, used),
    specializations,
    languages: ["en", ...pickSome(rng, place.languages, 1, place.languages.length)],
    city: place.city,
    timezone: "Asia/Kolkata",
    fee: 300 + 50 * Math.floor(rng() * 19),
    bio: `BAMS, MD (Ayu). ${years} years of practice in ${specializations[0]}.`,
    schedule: {
      weekly: weeklyHours(rng),
      overrides: [],
      slotMinutes: pick(rng, [15, 20, 30, 30, 45]),
      bufferMinutes: pick(rng, [0, 0, 5]),
      minNoticeMinutes: 60,
      horizonDays: 30,
      maxPerDay: null,
    },
  };
}

export function seedPatientName(rng: Rng): string {
  return `${pick(rng, FIRST)} ${pick(rng, LAST)}`;
}

/** A deterministic id in the format of crypto/random.ts `newId` (prefix + 26 base32 chars). */
export function seededId(rng: Rng, prefix: string, timeMs: number): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  let time = "";
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (let i = 0; i < 16; i++) rand += alphabet[Math.floor(rng() * 32)];
  return `${prefix}_${time}${rand}`;
}
