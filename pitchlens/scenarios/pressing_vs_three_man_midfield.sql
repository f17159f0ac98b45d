-- description: Pressing intensity of a team when the opponent has the ball in a three-man central midfield vs otherwise (the opponent's in-possession formation of the same window, joined with ASOF JOIN); one row per condition.
-- param team: string, required. The pressing team: home or away.
-- param central_mf: int = 3. How many central midfielders make the condition (LDM, CDM, RDM, LCM, CM, RCM, CAM).
-- param window_kind: string = fixed. Formation windows describing the opponent: fixed or possession.
WITH p AS (
    SELECT p.match_id, p.t + 0.5 AS tm, p.total_pressure, p.carrier_pressure, p.active_pressers,
           p.frames / coalesce(m.fps, p.frames) AS seconds
    FROM pressing_1s p LEFT JOIN matches m USING (match_id)
    WHERE p.team = $team
),
opp AS (
    SELECT match_id, t_start, t_end, formation, central_mf_count
    FROM formations
    WHERE in_possession AND window_kind = $window_kind AND team <> $team
),
j AS (
    SELECT p.*, opp.formation, opp.central_mf_count, opp.t_end
    FROM p ASOF LEFT JOIN opp ON p.match_id = opp.match_id AND p.tm >= opp.t_start
)
SELECT
    CASE WHEN formation IS NULL OR formation = 'unknown' OR tm > t_end + 1.0 THEN 'unknown'
         WHEN central_mf_count = $central_mf THEN 'three_man_midfield'
         ELSE 'other' END AS condition,
    avg(total_pressure) AS mean_pressure,
    avg(carrier_pressure) AS mean_carrier_pressure,
    avg(active_pressers) AS mean_active_pressers,
    sum(seconds) AS seconds,
    count(DISTINCT match_id) AS matches
FROM j
GROUP BY condition
ORDER BY condition
