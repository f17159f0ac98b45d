-- description: Pressing of a team in the seconds after it lost the ball (counter-pressing) vs the rest of its out-of-possession time; one row per condition.
-- param team: string, required. The pressing team: home or away.
-- param match_id: string = null. Only this match (default: every match).
SELECT
    CASE WHEN p.counter_press THEN 'after_losing_ball' ELSE 'settled' END AS condition,
    avg(p.total_pressure) AS mean_pressure,
    avg(p.carrier_pressure) AS mean_carrier_pressure,
    avg(p.active_pressers) AS mean_active_pressers,
    avg(p.visible_pressers) AS mean_visible_pressers,
    sum(1.0 / m.fps) AS seconds,
    count(*) AS frames
FROM pressing p JOIN matches m USING (match_id)
WHERE p.team = $team AND ($match_id IS NULL OR p.match_id = $match_id)
GROUP BY condition
ORDER BY condition
