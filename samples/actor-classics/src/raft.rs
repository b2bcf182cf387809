//! Raft's leader election (the Coyote benchmark's safety core): servers time out, become
//! candidates for a new term and ask the others for votes; a candidate with a majority is the
//! term's leader. Election safety: at most one leader per term.
//!
//! Each server's election timeout is a timer of its own, with a length the test picks
//! (`random::int`), restarted after every election it starts, for at most [`ELECTIONS`]
//! elections; which server times out first, and how requests and votes interleave, are the
//! scheduler's choices. Votes are counted by the voters' [`ActorId`]s.
//!
//! The planted bug (`raft_double_vote`): a server grants every request for a term at least its
//! own, without checking whether it already voted in that term (for itself, as a candidate, or
//! for another candidate), so two candidates of one term can both win a majority. The
//! [`ElectionSafety`] monitor reports the second leader. The fixed twin (`raft_fixed`) grants
//! one vote per term.

use coyote_harness::actor::{self, Actor, ActorId, ActorRef, Context};
use coyote_harness::spec::{self, Monitor};
use coyote_harness::{random, time};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Servers in the cluster.
pub const SERVERS: usize = 3;
/// Elections each server starts at most (the model stays finite).
pub const ELECTIONS: u32 = 2;

/// What a server receives.
#[derive(Debug)]
pub enum RaftEvent {
    /// The cluster (every server's address, this one's included).
    Start(Vec<ActorRef<RaftEvent>>),
    /// The election timer fired.
    Timeout,
    /// A candidate asks for a vote in `term`.
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// Where to send the vote.
        candidate: ActorRef<RaftEvent>,
    },
    /// A vote answer.
    Vote {
        /// The voter's term.
        term: u64,
        /// Whether the vote was granted.
        granted: bool,
        /// The voter.
        from: ActorId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Follower,
    Candidate,
    Leader,
}

/// One Raft server (leader election only).
pub struct Server {
    fixed: bool,
    peers: Vec<ActorRef<RaftEvent>>,
    term: u64,
    role: Role,
    voted_for: Option<ActorId>,
    votes: BTreeSet<ActorId>,
    elections: u32,
}

impl Server {
    fn new(fixed: bool) -> Self {
        Server {
            fixed,
            peers: Vec::new(),
            term: 0,
            role: Role::Follower,
            voted_for: None,
            votes: BTreeSet::new(),
            elections: 0,
        }
    }

    fn arm(&mut self, ctx: &mut Context<RaftEvent>) {
        let ms = 150 + 50 * random::int(3);
        ctx.start_timer(Duration::from_millis(ms), RaftEvent::Timeout);
    }

    /// A newer term was seen: follow it.
    fn observe(&mut self, term: u64) {
        if term > self.term {
            self.term = term;
            self.role = Role::Follower;
            self.voted_for = None;
            self.votes.clear();
        }
    }

    async fn start_election(&mut self, ctx: &mut Context<RaftEvent>) {
        self.elections += 1;
        self.term += 1;
        self.role = Role::Candidate;
        let me = ctx.id();
        self.voted_for = Some(me);
        self.votes = BTreeSet::from([me]);
        for peer in self.peers.iter().filter(|p| p.id() != me) {
            peer.send(RaftEvent::RequestVote {
                term: self.term,
                candidate: ctx.me(),
            })
            .await;
        }
        if self.elections < ELECTIONS {
            self.arm(ctx);
        }
    }
}

impl Actor for Server {
    type Event = RaftEvent;

    async fn handle(&mut self, ctx: &mut Context<RaftEvent>, event: RaftEvent) {
        match event {
            RaftEvent::Start(peers) => {
                self.peers = peers;
                self.arm(ctx);
            }
            RaftEvent::Timeout => {
                if self.role != Role::Leader {
                    self.start_election(ctx).await;
                }
            }
            RaftEvent::RequestVote { term, candidate } => {
                self.observe(term);
                let granted = if self.fixed {
                    term == self.term && self.voted_for.is_none_or(|v| v == candidate.id())
                } else {
                    // BUG: the term is compared, whether this server voted in it is not.
                    term >= self.term
                };
                if granted {
                    self.voted_for = Some(candidate.id());
                }
                candidate
                    .send(RaftEvent::Vote {
                        term: self.term,
                        granted,
                        from: ctx.id(),
                    })
                    .await;
            }
            RaftEvent::Vote {
                term,
                granted,
                from,
            } => {
                self.observe(term);
                if self.role == Role::Candidate && term == self.term && granted {
                    self.votes.insert(from);
                    if self.votes.len() > SERVERS / 2 {
                        self.role = Role::Leader;
                        spec::monitor::<ElectionSafety>(Elected {
                            term: self.term,
                            leader: ctx.id(),
                        });
                    }
                }
            }
        }
    }
}

/// A server won the election of `term`.
#[derive(Debug)]
pub struct Elected {
    term: u64,
    leader: ActorId,
}

/// Election safety: at most one leader per term.
#[derive(Debug, Default)]
pub struct ElectionSafety {
    leaders: BTreeMap<u64, ActorId>,
}

impl Monitor for ElectionSafety {
    type Event = Elected;

    fn on_event(&mut self, e: Elected) {
        let first = *self.leaders.entry(e.term).or_insert(e.leader);
        spec::assert(
            first == e.leader,
            format!("two leaders in term {}: {first} and {}", e.term, e.leader),
        );
    }
}

/// Starts the cluster and waits (in virtual time) past every election timeout.
pub async fn scenario(fixed: bool) {
    let servers: Vec<_> = (0..SERVERS)
        .map(|_| actor::create(Server::new(fixed)))
        .collect();
    for s in &servers {
        s.send(RaftEvent::Start(servers.clone())).await;
    }
    // Every election timer's deadline is earlier than this one, so all fire before it.
    time::sleep(Duration::from_secs(10)).await;
}
