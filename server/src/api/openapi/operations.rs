//! The table of operations: each route with its handler, scopes and summary.

use super::*;

pub(crate) const GET: &str = "get";
pub(crate) const POST: &str = "post";
pub(crate) const READ: &[Scope] = &[Scope::Read];
pub(crate) const EXPERIMENTS_WRITE: &[Scope] = &[Scope::ExperimentsWrite];
/// Changes that answer the experiment as it now is: the write, then a read.
pub(crate) const EXPERIMENTS_WRITE_READ: &[Scope] = &[Scope::ExperimentsWrite, Scope::Read];
pub(crate) const RESULTS_WRITE: &[Scope] = &[Scope::ResultsWrite];

/// Every operation of [`super::router`] but the document itself, in its order.
pub fn operations(g: &mut Generators) -> Vec<Operation> {
    use Operation as Op;
    vec![
        Op::new(
            g,
            GET,
            "/api/v1/campaigns",
            r::campaigns,
            "List the workspace's campaigns, newest first.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/campaigns/{id}",
            r::campaign,
            "Read one campaign.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives",
            r::creatives,
            "List the workspace's creatives with their results and last analysis, newest first.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives/{id}",
            r::creative,
            "Read one creative.",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/creatives/{id}/predictions",
            r::predictions,
            "What the models said about a creative: its last analysis and the logged predictions (newest first, at most 100).",
            READ,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/jobs/{id}",
            r::job,
            "Read one background job: where it is and what it made.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/models/ctr/predict",
            m::predict_ctr,
            "Predict a CTR with the workspace's champion CTR model trained from an export: the rate, its interval from held-out calibration and the three inputs that moved it most. Logged with the model version; 404 when no such model was trained.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/results",
            r::results,
            "Write daily results of creatives (the rows of a results CSV); a day already stored is replaced, nothing is written when any row is refused.",
            RESULTS_WRITE,
        ),
        Op::new(
            g,
            GET,
            "/api/v1/experiments",
            e::list,
            "List the workspace's experiments, newest first.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/experiments",
            e::create,
            "Create a draft experiment over 2 to 20 creatives of one campaign; empty settings take their defaults.",
            EXPERIMENTS_WRITE_READ,
        )
        .status(201),
        Op::new(
            g,
            GET,
            "/api/v1/experiments/{id}",
            e::get,
            "Read one experiment with its arms' statistics, periods and recommended split.",
            READ,
        ),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/start",
            e::start,
            "Start a draft: the first period splits traffic equally between active arms.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/apply",
            e::apply,
            "Apply the recommended split (a new period starts); refused while the recommendation is held or equals the current split.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/stop",
            e::stop,
            "Stop the experiment, naming the winner when the evidence has one.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms",
            e::add_arm,
            "Add a creative of the campaign as an arm; in a running experiment it starts at the floor share.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms/{arm_id}/pause",
            e::pause_arm,
            "Pause an arm (share 0); the last active arm cannot be paused.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/arms/{arm_id}/resume",
            e::resume_arm,
            "Resume a paused arm at the floor share.",
            EXPERIMENTS_WRITE_READ,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/choose",
            e::choose,
            "The arm to serve now, drawn by the current split of a running experiment.",
            EXPERIMENTS_WRITE,
        )
        .conflict(),
        Op::new(
            g,
            POST,
            "/api/v1/experiments/{id}/events",
            e::events,
            "Report impressions, clicks, 3-second views and conversions of a running experiment; durable when answered, an event id already stored counts once (`duplicates`).",
            EXPERIMENTS_WRITE,
        )
        .conflict(),
    ]
}

/// `(method, path)` of every operation in the document, the document's own
/// route included.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    let mut generators = Generators::new();
    let mut routes: Vec<_> = operations(&mut generators)
        .iter()
        .map(|op| (op.method, op.path))
        .collect();
    routes.push((GET, PATH));
    routes
}
