"""Synthetic follower networks with influencer profiles and brands.

:func:`generate` builds a directed follower graph of ``nodes`` accounts, a
profile for every account with a real audience of at least
``profile_min_followers`` (default 1,000), a handful of brands and an action log
of the brands' items spreading on the graph, with planted ambassadors (step 9);
:func:`write_synthetic` writes them as ``follows.csv``, ``profiles.csv``,
``brands.csv`` and ``actions.csv``. Everything is drawn from ``np.random.default_rng`` streams
spawned from ``SeedSequence(seed)``: the same ``(nodes, seed, options)`` give
byte-identical files. The work is vectorised (one loop per audience segment,
per topic and per resampling round, never per node or edge): about 0.25 s for 20k
nodes and 1 s for 100k on a 2-core machine (writing the CSVs adds about as much).

The model, step by step
-----------------------
1. **Real audience** (``followers`` in the profiles). The graph is a *sample*
   of a platform, so each account's real audience is much larger than its
   in-graph follower count. Audiences follow a piecewise power law (Pareto
   within each tier, steepening towards the top as measured follower
   distributions do) with these shares of all accounts (``tier_shares``):
   ordinary accounts 10-1k (the rest, ~58%), nano 1k-10k 30%, micro 10k-100k
   10%, mid 100k-500k 1.5%, macro 500k-1M 0.1%, mega 1M-300M 0.035%. Among the
   profiled accounts that is ~72% nano, ~24% micro, ~3.6% mid, well under 1%
   macro and mega, in line with HypeAuditor's census of Instagram creators
   (nano-influencers are the majority: 58% of Instagram creators in [HA23]_,
   about three quarters in later editions). Tier counts are quotas
   (``round(n * share)``, at least 1 per tier), and draws within a tier are
   stratified, so at 20k nodes there are always 7 mega and 20 macro accounts.
2. **Topical communities.** ``topics`` (default 8) get community shares from a
   ``Dirichlet(8)`` draw; each account's *primary* topic is its community. Its
   topic vector puts weight ``focus`` on the primary topic and spreads the
   rest over the other topics with a Dirichlet whose concentration grows with
   audience. ``focus = 0.92 - 0.10 * log10(audience / 1k)`` (+ N(0, 0.05),
   clipped to [0.3, 0.98]): about 0.9 for nano, 0.7 at 100k, 0.5 at 10M.
   That is the *credibility dilution* of big accounts: a celebrity talks
   about, and is followed for, several topics; a micro-influencer is focused.
   Weights are kept in thousandths, entries under 0.02 dropped, so the
   ``topics`` column sums to exactly 1 with three decimals.
3. **Follows** (a directed, community-aware Chung-Lu model). Each account
   follows ``d`` others, ``d ~ LogNormal`` with mean ``mean_follows`` (12)
   and sigma ``follows_sigma`` (1.0), at least 1, at most ``n // 4``, so
   out-degree is heavy-tailed too. Each follow is *within* the follower's
   community with probability ``within_share`` (0.8): the target is then
   drawn from that community with probability proportional to its
   *attractiveness* ``audience ** alpha * LogNormal(0, 0.5)`` (``alpha`` 0.8).
   Otherwise it goes *across*: a topic is drawn from the follower's secondary
   interests and the target from the accounts of other communities with
   probability proportional to ``attractiveness * weight(topic)``, so
   diffuse big accounts collect followers from several communities. Self
   loops, duplicates and cross draws landing in the follower's own community
   are dropped and redrawn (up to 8 rounds); a follower whose draws all fail
   (a safety net for tiny graphs) follows the most attractive account. Every account
   follows at least one other, so every account, and every profile ID, is a
   node of the loaded graph. In-graph follower counts come out heavy-tailed
   and strongly, not perfectly, rank-correlated with real audience.
   Finally ``audience = max(audience, in-graph followers)``.
4. **Engagement rate** falls with audience as a power law with lognormal
   noise: ``ER = 0.025 * (audience / 5k) ** -0.2 * LogNormal(0, 0.35)``,
   clipped to [0.001, 0.3]: medians about 2.9% for nano, 1.9% micro,
   1.2% mid, 0.9% macro, 0.7% mega. Sources: HypeAuditor reports
   Instagram engagement falling with tier, highest for nano (2.78% in [HA23]_;
   2.19% for 1k-10k in 2023 per Statista) and lowest for the largest accounts;
   Later x Fohr's 3.5M-post study [LF21]_ finds the same monotone fall.
5. **Cost per sponsored post** (USD, rounded to cents) rises with audience:
   ``cost = 100 * (audience / 10k) ** 0.94 * (ER noise) ** 0.5 *
   LogNormal(0, 0.3)``, clipped to [$5, $2M]. The curve is fitted through the
   mid-points of Influencer Marketing Hub's Instagram rate bands [IMH]_ (nano
   $10-100, micro $100-500, mid $500-5k, macro $5k-10k, mega $10k+) and
   starts from its "$100 per 10k followers" rule of thumb; the exponent
   below 1 reflects the per-follower discount of big accounts, and the
   ``ER noise`` factor makes accounts that engage above their tier charge
   more. Medians: about $25 nano, $200 micro, $1.4k mid, $4.8k macro, $11k mega.
6. **Audience quality** (``real_audience``, the share of real followers) falls
   with audience: the fake share is ``Beta`` with mean
   ``0.09 + 0.02 * log10(audience / 1k)`` and concentration 20 (sd about 0.06),
   so median real shares are about 0.92 nano, 0.89 micro, 0.86 mid, 0.86 macro
   and 0.84 mega at 20k nodes (seed 7), rounded to three decimals. Sources: Heepsy's tier analysis
   [HP20]_ (47% of nano and 42.7% of micro accounts have under 10% suspicious
   followers against 22.1% of mega accounts; 47.6% of mega accounts have 10-20%
   and 30.4% more than 20%) and [HA23]_ (close to 60% of mega and celebrity
   accounts impacted by fraud, the most of any tier). Drawn from a seventh
   stream, so the other columns are those of earlier versions.
8. **Platform** (``platform``: ``instagram``, ``tiktok`` or ``youtube``), drawn per
   account from its tier's shares (``platform_shares``, default
   ``DEFAULT_PLATFORM_SHARES``), from an eighth stream used by nothing else: adding it
   changed no other column and no other file. The shares are those of Nielsen's
   census of creators (1,000+ followers) by tier and platform [NI22]_: Instagram
   holds most nano creators, TikTok edges it from 10k followers up and YouTube's
   share grows with size.

   =====  =========  ======  =======  ==================================================
   tier   instagram  tiktok  youtube  from
   =====  =========  ======  =======  ==================================================
   nano   55.2%      42.3%   2.5%     [NI22]_ 1k-10k (55.2 / 42.2 / 2.5; sums to 99.9)
   micro  44.0%      48.4%   7.6%     [NI22]_ 10k-50k (45 / 48 / 7) and 50k-100k (37.7 /
                                      50.9 / 11.3), weighted by the generator's own
                                      split of the tier (86.8% of micro accounts under 50k)
   mid    35.3%      47.6%   17.1%    assumption (below)
   macro  32.8%      44.3%   22.9%    assumption (below)
   mega   30.3%      41.0%   28.7%    [NI22]_ YouTube share 28.7%; split assumed
   =====  =========  ======  =======  ==================================================

   The assumption: [NI22]_ as published gives no mid (100k-500k) or macro (500k-1M)
   row and only YouTube's share of mega creators, so YouTube's share steps evenly from
   11.3% (50k-100k) to 28.7% (mega), and Instagram and TikTok split the rest in their
   last published ratio, 37.7 : 50.9 (50k-100k). Over the profiles of the bundled data
   (72% nano) that is about 52% Instagram, 44% TikTok and 4% YouTube: Instagram
   dominant, then TikTok, then YouTube, as creator censuses report; HypeAuditor counts
   nano accounts as 58% of Instagram creators and 49% of TikTok's [HA23]_.
7. **Brands.** Five brands with topic mixes and budgets (``DEFAULT_BRANDS``):
   ``freshbite`` (food 0.8, fitness 0.2; $10k), ``wanderly`` (travel, $40k),
   ``pixelforge`` (tech and gaming, $75k), ``glowhaus`` (beauty and fashion,
   $25k) and the broad ``everyday`` lifestyle brand ($100k). With custom
   ``topics`` and no ``brands``, brands are derived from the topics.
9. **Action log** (``actions.csv``: ``account``, ``item``, ``time`` in Unix seconds,
   ``brand``; the format of :func:`pipeline.calibration.actions.load_actions`), from a
   ninth stream used by nothing else, so the other files are those of earlier versions.
   Per brand, ``ambassadors`` (6) **planted ambassadors**: accounts *without* a profile
   (ordinary people, not creators one can contract) in the community of the brand's
   main topic, with in-graph follower counts in 10-60 where the community has such
   accounts and otherwise its most-followed ordinary accounts (at 20k nodes, seed 7,
   ordinary accounts have at most 13 in-graph followers and the planted ones 6 to 13),
   distinct across brands. ``items_per_brand`` (60) items per brand, item IDs
   ``freshbite-001``..., start evenly over 2024 (the brands interleaved); each is
   started by 3 distinct random accounts (a community drawn from the brand's topic mix,
   an account of it uniformly; never one of the brand's planted accounts) and half of
   the items, chosen at random, also by one planted account (dealt in turn, so each
   starts the same number: 5 of 60). Each item spreads as a continuous-time Independent
   Cascade in the influence direction (a followed account to its followers): an edge
   transmits with ``p_base`` (0.02), the out-edges of the brand's planted accounts with
   ``p_ambassador`` (0.3), after an exponential delay of mean one day rounded up to whole
   seconds; an account adopts at its earliest arrival (one row per account and item),
   so every adopter past the start follows someone who adopted strictly earlier. The
   planted accounts are returned (``SyntheticData.planted_ambassadors``) but written to
   no file: ``influence ambassadors`` has to find them by influence credit, and on the
   bundled data all 6 of each brand rank in its top 10. This is a planted test world,
   not a measurement: real ambassadors are neither this clear-cut nor this few.

Why this is interesting for ranking: in-graph reach grows like
``audience ** alpha`` (alpha < 1, saturating at community size) while cost
grows like ``audience ** 0.94`` and engagement falls. At 20k nodes (seed 7)
the median in-graph followers per $1k of cost is about 240 nano, 175 micro,
115 mid, 115 macro and 55 mega: focused micro-influencers in a brand's
community compete with a diffuse macro account on reach per dollar (and beat
it once engagement is counted), while macro and mega accounts win on raw
reach per post, span communities and need far fewer contracts.

References
----------
.. [HA23] HypeAuditor, "State of Influencer Marketing 2023" (annual report:
   tier shares and engagement rate by tier on Instagram and TikTok),
   https://hypeauditor.com/free-tools/state-of-influencer-marketing/ ;
   see also HypeAuditor, "How do micro-influencers and mega-influencers
   compare in Instagram engagement rates",
   https://hypeauditor.com/blog/how-do-micro-influencers-and-mega-influencers-compare-in-instagram-engagement-rates
.. [LF21] Later x Fohr, "Influencer Marketing Report: The Selling Power of
   Nano, Micro, Mid, Macro and Mega Influencers" (2021), 3.5M Instagram posts.
.. [IMH] Influencer Marketing Hub, "Influencer Rates: How Much do Influencers
   Really Cost?" (rate guide, Instagram: nano $10-100, micro $100-500, mid
   $500-5,000, macro $5,000-10,000, mega $10,000+ per post),
   https://influencermarketinghub.com/influencer-rates/
.. [HP20] Heepsy, "Nano and micro influencers have the fewest fake followers"
   (analysis of audience authenticity by Instagram tier),
   https://blog.heepsy.com/posts/nano-and-micro-influencers-have-fewest-fake-followers
.. [NI22] Nielsen, "InfluenceScope" (2022), the distribution of influencers (1,000+
   followers) across Instagram, TikTok and YouTube by tier, as reported by
   MarketingCharts, "3 Points About Influencers on Instagram, TikTok and YouTube"
   (27 June 2022), https://www.marketingcharts.com/cross-media-and-traditional/sponsorships-traditional-and-cross-channel-226049
.. [CL02] F. Chung and L. Lu, "Connected components in random graphs with
   given expected degree sequences", Annals of Combinatorics 6 (2002).

Examples
--------
>>> data = generate(2_000, seed=1)
>>> data.edges.columns, data.brands.height
(['follower', 'followed'], 5)
>>> data.profiles.columns
['id', 'handle', 'followers', 'engagement_rate', 'cost', 'real_audience', 'topics', 'platform']

The package:

- :mod:`~pipeline.synth.config`: the defaults (platform shares included), :class:`BrandSpec`,
  :class:`SynthConfig`
  (checked on construction) and :class:`SyntheticData`;
- :mod:`~pipeline.synth.generator`: :func:`generate`, :func:`generate_from`,
  :func:`write_synthetic`;
- :mod:`~pipeline.synth.steps`: the vectorised steps (audiences, topics, follows,
  engagement, costs, real audiences, platforms, profiles);
- :mod:`~pipeline.synth.actions`: the action log (planting, starters and the numba
  cascade kernel).
"""

from __future__ import annotations

from pipeline.synth.config import (
    DEFAULT_BRANDS,
    DEFAULT_PLATFORM_SHARES,
    DEFAULT_PLATFORMS,
    DEFAULT_TIER_SHARES,
    DEFAULT_TOPICS,
    SYNTH_FILES,
    BrandSpec,
    SynthConfig,
    SyntheticData,
)
from pipeline.synth.generator import generate, generate_from, write_synthetic

__all__ = [
    "DEFAULT_BRANDS",
    "DEFAULT_PLATFORMS",
    "DEFAULT_PLATFORM_SHARES",
    "DEFAULT_TIER_SHARES",
    "DEFAULT_TOPICS",
    "SYNTH_FILES",
    "BrandSpec",
    "SynthConfig",
    "SyntheticData",
    "generate",
    "generate_from",
    "write_synthetic",
]
