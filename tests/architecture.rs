//! The module graph ARCHITECTURE.md promises: data flows one way, so the `use crate::`
//! graph among `src/` modules has no cycle, and `model` imports nothing of ours.
//! Read from the source text (unit tests inside a module are left out: they may reach
//! anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "main" || top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            let deps = graph.entry(top.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if any, as the modules along it.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    at: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    for next in graph.get(at).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_string());
            return Some(cycle);
        }
        if seen.insert(next.clone()) {
            path.push(next.clone());
            if let Some(c) = cycle_from(graph, start, next, path, seen) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph();
    assert!(graph.contains_key("store") && graph.contains_key("model"));
    for module in graph.keys() {
        let mut path = vec![module.clone()];
        let cycle = cycle_from(&graph, module, module, &mut path, &mut BTreeSet::new());
        assert!(
            cycle.is_none(),
            "import cycle: {}\ngraph: {graph:#?}",
            cycle.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn shared_values_depend_on_nothing_and_storage_only_on_model_and_text() {
    let graph = graph();
    assert_eq!(
        graph["model"],
        BTreeSet::new(),
        "model imports {:?}",
        graph["model"]
    );
    let allowed: BTreeSet<String> = ["model", "text"].map(String::from).into();
    assert!(
        graph["store"].is_subset(&allowed),
        "store imports {:?}",
        graph["store"]
    );
}

/// The commands are the binary's: they reach the library through its public API
/// (`portalfeed::…`), and no library module knows them.
#[test]
fn the_cli_stands_outside_the_library() {
    let graph = graph();
    assert!(graph.contains_key("cli"), "src/cli/ holds the commands");
    assert_eq!(graph["cli"], BTreeSet::new(), "cli reaches into crate::");
    for (module, deps) in &graph {
        assert!(!deps.contains("cli"), "{module} imports the CLI");
    }
}
