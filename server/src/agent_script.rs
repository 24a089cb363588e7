//! The simulated agent: a script derived only from the user's message, so the same message
//! always produces the same turns, tools, results and answer (timestamps and ids aside).
//! No randomness and no clock: tests compare two runs event by event.

use serde_json::{json, Value};

pub struct Agent {
    pub id: &'static str,
    pub name: &'static str,
    pub emoji: &'static str,
}

pub const AGENTS: [Agent; 5] = [
    Agent {
        id: "researcher",
        name: "Researcher",
        emoji: "🔎",
    },
    Agent {
        id: "analyst",
        name: "Analyst",
        emoji: "📊",
    },
    Agent {
        id: "writer",
        name: "Writer",
        emoji: "✍️",
    },
    Agent {
        id: "planner",
        name: "Planner",
        emoji: "🧭",
    },
    Agent {
        id: "coder",
        name: "Coder",
        emoji: "💻",
    },
];

/// Tickers that make the agent look up a quote and attach a chart.
pub const TICKERS: [&str; 8] = [
    "AAPL", "TSLA", "NVDA", "MSFT", "GOOGL", "AMZN", "META", "AMD",
];

const TOOLS: [&str; 4] = ["web_search", "fetch_page", "run_python", "query_database"];

const WORDS: [&str; 24] = [
    "agents",
    "stream",
    "events",
    "over",
    "a",
    "socket",
    "while",
    "the",
    "interface",
    "stays",
    "responsive",
    "and",
    "every",
    "token",
    "arrives",
    "in",
    "order",
    "so",
    "users",
    "see",
    "progress",
    "as",
    "it",
    "happens",
];

const SENTENCES: [&str; 8] = [
    "I looked at {n} sources and the picture is consistent.",
    "The short answer: it depends on the workload, but the trend is clear.",
    "Most of the evidence points the same way, with one notable exception.",
    "Here is a summary you can act on today.",
    "The numbers moved about {n} percent over the period I checked.",
    "Two of the sources disagree, so treat the estimate with some care.",
    "I cross-checked the results with a quick calculation.",
    "A follow-up question worth asking is what changes at ten times the scale.",
];

pub struct Turn {
    pub agent: &'static Agent,
    pub tool: &'static str,
    pub args: Value,
    pub result: String,
}

enum Answer {
    /// The scripted answer, already split into deltas.
    Scripted(Vec<String>),
    /// A forced length (`answer_tokens`): tokens computed on demand, so a 100,000-token
    /// answer is not materialised up front.
    Generated { count: u64, seed: u64 },
}

pub struct Script {
    pub lead: &'static Agent,
    pub turns: Vec<Turn>,
    pub ticker: Option<&'static str>,
    /// Stable for a message: used in ids that should not change between identical runs.
    pub fingerprint: u64,
    answer: Answer,
}

/// FNV-1a: stable across platforms and Rust versions (unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64 finaliser: spreads one hash into independent-looking values per index.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick<T>(items: &[T], value: u64) -> &T {
    &items[(value % items.len() as u64) as usize]
}

/// The first known ticker mentioned as a word (`AAPL`, `$TSLA`), case-sensitive so that
/// ordinary words ("meta") do not trigger it.
pub fn find_ticker(message: &str) -> Option<&'static str> {
    message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|word| TICKERS.iter().copied().find(|t| *t == word))
}

/// A short, single-line version of the message for arguments and log lines.
fn topic(message: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().take(8).collect();
    let mut topic = words.join(" ");
    if topic.chars().count() > 60 {
        topic = topic.chars().take(57).collect::<String>() + "...";
    }
    topic
}

impl Script {
    /// The script for `message`; `answer_tokens` forces an answer of exactly that many deltas.
    pub fn for_message(message: &str, answer_tokens: Option<u64>) -> Script {
        let fingerprint = fnv1a(message.as_bytes());
        let topic = topic(message);
        let ticker = find_ticker(message);
        let lead = pick(&AGENTS, mix(fingerprint));
        let turn_count = 2 + mix(fingerprint ^ 1) % 3;

        let mut turns = Vec::new();
        for t in 0..turn_count {
            let h = mix(fingerprint.wrapping_add(0x100 + t));
            // The lead opens; later turns may hand off to colleagues (tracking shows it).
            let agent = if t == 0 { lead } else { pick(&AGENTS, h >> 8) };
            let (tool, args, result) = match (t, ticker) {
                (1, Some(symbol)) => (
                    "stock_quote",
                    json!({ "symbol": symbol }),
                    format!(
                        "{symbol}: last {:.2} USD, change {:+.2}%",
                        quote(symbol),
                        change(h)
                    ),
                ),
                _ => tool_call(TOOLS[(h % TOOLS.len() as u64) as usize], &topic, h),
            };
            turns.push(Turn {
                agent,
                tool,
                args,
                result,
            });
        }

        let answer = match answer_tokens {
            Some(count) => Answer::Generated {
                count,
                seed: fingerprint,
            },
            None => Answer::Scripted(tokenize(&scripted_answer(&topic, ticker, fingerprint))),
        };
        Script {
            lead,
            turns,
            ticker,
            fingerprint,
            answer,
        }
    }

    pub fn max_turns(&self) -> u64 {
        self.turns.len() as u64
    }

    pub fn answer_len(&self) -> u64 {
        match &self.answer {
            Answer::Scripted(tokens) => tokens.len() as u64,
            Answer::Generated { count, .. } => *count,
        }
    }

    /// Delta `i` of the answer; the answer is the concatenation of deltas `0..answer_len()`.
    pub fn answer_token(&self, i: u64) -> String {
        match &self.answer {
            Answer::Scripted(tokens) => tokens.get(i as usize).cloned().unwrap_or_default(),
            Answer::Generated { seed, .. } => {
                let word = pick(&WORDS, seed.wrapping_add(i.wrapping_mul(7)));
                format!("{word} ")
            }
        }
    }

    /// The agents involved, lead first, each once.
    pub fn agents_used(&self) -> Vec<&'static str> {
        let mut used = vec![self.lead.name];
        for turn in &self.turns {
            if !used.contains(&turn.agent.name) {
                used.push(turn.agent.name);
            }
        }
        used
    }
}

fn tool_call(tool: &'static str, topic: &str, h: u64) -> (&'static str, Value, String) {
    match tool {
        "web_search" => (
            tool,
            json!({ "query": topic, "max_results": 5 }),
            format!("{} results; top hit: \"{topic}: an overview\"", 3 + h % 7),
        ),
        "fetch_page" => (
            tool,
            json!({ "url": format!("https://docs.example.com/articles/{}", h % 10_000) }),
            format!(
                "fetched {} KB, {} paragraphs extracted",
                4 + h % 60,
                3 + (h >> 4) % 20
            ),
        ),
        "run_python" => (
            tool,
            json!({ "code": format!("summary = analyse(dataset_{})", h % 100) }),
            format!(
                "ok: mean={:.2}, n={}",
                (h % 10_000) as f64 / 100.0,
                100 + (h >> 6) % 900
            ),
        ),
        _ => (
            "query_database",
            json!({ "sql": format!("SELECT * FROM findings WHERE topic_id = {} LIMIT 20", h % 500) }),
            format!("{} rows", (h >> 3) % 21),
        ),
    }
}

/// A stable pseudo price for a ticker.
pub fn quote(symbol: &str) -> f64 {
    50.0 + (mix(fnv1a(symbol.as_bytes())) % 45_000) as f64 / 100.0
}

fn change(h: u64) -> f64 {
    ((h % 1_000) as f64 - 500.0) / 100.0
}

fn scripted_answer(topic: &str, ticker: Option<&str>, fingerprint: u64) -> String {
    let mut answer = if topic.is_empty() {
        "Here is what I found.".to_string()
    } else {
        format!("Here is what I found about \"{topic}\".")
    };
    let sentence_count = 2 + mix(fingerprint ^ 2) % 3;
    for s in 0..sentence_count {
        let h = mix(fingerprint.wrapping_add(0x200 + s));
        let sentence = pick(&SENTENCES, h).replace("{n}", &(3 + (h >> 8) % 9).to_string());
        answer.push(' ');
        answer.push_str(&sentence);
    }
    if let Some(symbol) = ticker {
        answer.push_str(&format!(" I attached a chart of {symbol}."));
    }
    answer
}

/// Splits text into word deltas that concatenate back to exactly the text.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c == ' ' && !current.ends_with(' ') && !current.is_empty() {
            current.push(c);
            tokens.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(script: &Script) -> String {
        (0..script.answer_len())
            .map(|i| script.answer_token(i))
            .collect()
    }

    #[test]
    fn same_message_gives_the_same_script() {
        let a = Script::for_message("How fast is NVDA growing?", None);
        let b = Script::for_message("How fast is NVDA growing?", None);
        assert_eq!(a.lead.name, b.lead.name);
        assert_eq!(a.turns.len(), b.turns.len());
        for (x, y) in a.turns.iter().zip(&b.turns) {
            assert_eq!(
                (x.agent.name, x.tool, &x.args, &x.result),
                (y.agent.name, y.tool, &y.args, &y.result)
            );
        }
        assert_eq!(answer(&a), answer(&b));
    }

    #[test]
    fn different_messages_give_different_answers() {
        let texts: Vec<String> = ["alpha", "beta", "gamma", "delta"]
            .iter()
            .map(|m| answer(&Script::for_message(m, None)))
            .collect();
        assert!(texts.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn tokens_concatenate_to_the_scripted_text() {
        let text = "Here is  what I found.";
        assert_eq!(tokenize(text).concat(), text);
        assert_eq!(tokenize(text)[0], "Here ");
    }

    #[test]
    fn forced_answer_has_exactly_the_requested_token_count() {
        let script = Script::for_message("burst", Some(100_000));
        assert_eq!(script.answer_len(), 100_000);
        assert!(script.answer_token(99_999).ends_with(' '));
    }

    #[test]
    fn tickers_are_found_as_whole_uppercase_words() {
        assert_eq!(find_ticker("What about $AAPL today?"), Some("AAPL"));
        assert_eq!(find_ticker("the metaverse and meta"), None);
        assert_eq!(find_ticker("AAPLX"), None);
        let script = Script::for_message("Compare TSLA and NVDA", None);
        assert_eq!(script.ticker, Some("TSLA"));
        assert_eq!(script.turns[1].tool, "stock_quote");
    }
}
