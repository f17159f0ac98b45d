-- description: Share of the time each team had the ball, per match (frames with a team in possession; contested and loose frames apart).
-- param match_id: string = null. Only this match (default: every match).
SELECT match_id,
       avg(CASE WHEN team = 'home' THEN 1.0 ELSE 0.0 END) FILTER (WHERE state = 'team') AS home_share,
       avg(CASE WHEN team = 'away' THEN 1.0 ELSE 0.0 END) FILTER (WHERE state = 'team') AS away_share,
       avg(CASE WHEN state = 'contested' THEN 1.0 ELSE 0.0 END) AS contested_share,
       avg(CASE WHEN state = 'none' THEN 1.0 ELSE 0.0 END) AS none_share,
       count(*) AS frames
FROM possession
WHERE $match_id IS NULL OR match_id = $match_id
GROUP BY match_id
ORDER BY match_id
